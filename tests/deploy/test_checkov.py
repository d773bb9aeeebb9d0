"""checkov's Kubernetes and Dockerfile policies pass on what is deployed: every overlay as
Kustomize renders it (deploy/k8s/overlays, Istio included) and the Dockerfile.

checkov runs from its own venv (.venv/tools/checkov, requirements/checkov.lock; its pins clash
with ours), once for all the rendered overlays and the Dockerfile, offline: no API key, no
download of external checks, no package scan, and inside a network namespace of its own
(`unshare --net`) that has no interface but a down loopback, so nothing it tries can leave
the machine. checkov has no policies for custom resources: the Istio, External Secrets
Operator and Prometheus Operator objects are parsed and passed over (test_k8s_render.py
validates them against their models).

A check is skipped only in place, with its reason: on the Kubernetes object concerned, an
annotation `checkov.io/skip<N>: CKV_K8S_<id>=<reason>`; in the Dockerfile, a comment
`# checkov:skip=CKV_DOCKER_<id>: <reason>`. SKIPPED lists them, so a new one is also a
change here, seen in review.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.kustomize import OVERLAYS, ROOT, render_text

# One worker runs the whole module under `make test` (--dist loadgroup): one checkov run.
pytestmark = pytest.mark.xdist_group("checkov")

DOCKERFILE = ROOT / "Dockerfile"
FRAMEWORKS = ("kubernetes", "dockerfile")
# Every check skipped anywhere, and why in short (the full reason is beside each skip).
SKIPPED = {
    # The release tags the image (overlay newTag); its digest exists only once it is pushed.
    "CKV_K8S_43",
    # local overlay only: the `dev` image is loaded into kind, never pulled.
    "CKV_K8S_15",
    # One image, four commands: only `serve` listens; Kubernetes probes it itself.
    "CKV_DOCKER_2",
}
# A reason is a sentence, not a word or a ticket number.
REASON_WORDS = 5
ANNOTATION_SKIP = re.compile(r"^checkov\.io/skip\d+$")
ANNOTATION_VALUE = re.compile(r"^(CKV2?_K8S_\d+)=(.+)$", re.S)
DOCKERFILE_SKIP = re.compile(r"^# checkov:skip=(CKV2?_DOCKER_\d+):(.+)$")

Report = dict[str, Any]


def checkov() -> str:
    """checkov from its own venv beside the project's (scripts/ensure-checkov.sh makes it,
    run by `make test`)."""
    tool = Path(sys.executable).parent.parent / "tools" / "checkov" / "bin" / "checkov"
    if not tool.exists():
        pytest.fail(f"no {tool}: run `make test-tools` (scripts/ensure-checkov.sh)")
    return str(tool)


def isolated() -> list[str]:
    """The prefix that runs a command in a fresh network namespace, with no way out."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is missing: checkov is not run without network isolation")
    probe = subprocess.run([unshare, "--net", "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip(
            "cannot create a network namespace (`unshare --net` needs root or user namespaces):"
            f" checkov is not run without network isolation: {probe.stderr.strip()}"
        )
    return [unshare, "--net"]


def offline_environment() -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("BC_API_KEY", "PRISMA_API_URL")
    }
    environment["CHECKOV_RUN_SCA_PACKAGE_SCAN_V2"] = "false"
    return environment


@pytest.fixture(scope="module")
def rendered_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each overlay's objects in <overlay>.yaml."""
    directory = tmp_path_factory.mktemp("rendered")
    for overlay in OVERLAYS:
        (directory / f"{overlay}.yaml").write_text(render_text(overlay))
    return directory


@pytest.fixture(scope="module")
def reports(rendered_dir: Path) -> dict[str, Report]:
    """checkov's JSON report per framework, from one run over the overlays and the Dockerfile."""
    command = [
        *isolated(),
        checkov(),
        "--file",
        *sorted(str(path) for path in rendered_dir.glob("*.yaml")),
        str(DOCKERFILE),
        "--framework",
        *FRAMEWORKS,
        "--skip-download",
        "--output",
        "json",
    ]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        env=offline_environment(),
        cwd=rendered_dir,
    )
    # Exit status 1 is "some check failed", reported below with the failures themselves.
    assert result.returncode in (0, 1), result.stdout[-2000:] + result.stderr[-4000:]
    parsed = json.loads(result.stdout)
    # One report per framework that found something to check: a list, or the report alone.
    found = parsed if isinstance(parsed, list) else [parsed]
    return {report["check_type"]: report for report in found}


def describe(check: Report) -> str:
    return f"{check['check_id']} {check['resource']} in {check['file_path']}: {check['check_name']}"


def test_checkov_ran_every_framework_on_every_file(reports: dict[str, Report]) -> None:
    assert set(reports) == set(FRAMEWORKS), list(reports)
    kubernetes = reports["kubernetes"]["results"]
    checked_files = {
        Path(check["file_path"]).name
        for check in kubernetes["passed_checks"] + kubernetes["failed_checks"]
    }
    assert checked_files == {f"{overlay}.yaml" for overlay in OVERLAYS}
    for framework, report in reports.items():
        summary = report["summary"]
        assert summary["parsing_errors"] == 0, (framework, summary)
        assert summary["passed"] > 0, (framework, summary)


def test_no_check_fails(reports: dict[str, Report]) -> None:
    failures = [
        describe(check)
        for report in reports.values()
        for check in report["results"]["failed_checks"]
    ]
    assert failures == [], "checkov failures (fix them, or skip in place with a reason):\n" + (
        "\n".join(failures)
    )


def test_only_the_listed_checks_are_skipped_each_with_its_reason(
    reports: dict[str, Report],
) -> None:
    skipped = [
        check for report in reports.values() for check in report["results"]["skipped_checks"]
    ]
    assert {check["check_id"] for check in skipped} == SKIPPED
    for check in skipped:
        # checkov's stand-in when a skip names a check and nothing else
        assert check["check_result"]["suppress_comment"] != "No comment provided", describe(check)


def has_reason(text: str) -> bool:
    return len(re.findall(r"[A-Za-z]{2,}", text)) >= REASON_WORDS


def test_every_manifest_skip_names_a_check_and_gives_a_reason(rendered_dir: Path) -> None:
    skips = 0
    for path in sorted(rendered_dir.glob("*.yaml")):
        for obj in yaml.safe_load_all(path.read_text()):
            annotations = obj["metadata"].get("annotations", {})
            for key, value in annotations.items():
                if "checkov" not in key:
                    continue
                where = (path.name, obj["kind"], obj["metadata"]["name"], key)
                assert ANNOTATION_SKIP.match(key), where
                matched = ANNOTATION_VALUE.match(value)
                assert matched, (where, "expected CKV_K8S_<id>=<reason>", value)
                assert has_reason(matched[2]), (where, f"a reason of {REASON_WORDS}+ words")
                skips += 1
    assert skips > 0  # the image digest skip, on every workload of every overlay


def test_every_dockerfile_skip_names_a_check_and_gives_a_reason() -> None:
    skips = 0
    for number, line in enumerate(DOCKERFILE.read_text().splitlines(), start=1):
        if "checkov" not in line.lower() or "skip" not in line.lower():
            continue
        matched = DOCKERFILE_SKIP.match(line)
        assert matched, f"Dockerfile:{number}: expected # checkov:skip=CKV_DOCKER_<id>: <reason>"
        assert has_reason(matched[2]), f"Dockerfile:{number}: a reason of {REASON_WORDS}+ words"
        skips += 1
    assert skips > 0  # the HEALTHCHECK skip
