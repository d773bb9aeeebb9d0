"""The real CDK CLI synthesizes the whole app offline, cdk-nag passes it, cfn-lint passes every
template.

`cdk synth` runs in a network namespace of its own (`unshare --net`: no interface but a
loopback that is down), with no AWS credentials or config and a throwaway HOME: the app must
synthesize without asking AWS (or anyone) anything, which is the proof that nothing it does
at synthesis can leave the machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import AWS_DIR

CDK = AWS_DIR / "node_modules" / ".bin" / "cdk"
CFN_LINT_CONFIG = AWS_DIR / ".cfnlintrc.yaml"
VENV_BIN = Path(sys.executable).parent


def network_namespace_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False)
    return probe.returncode == 0


pytestmark = [
    pytest.mark.skipif(
        not CDK.exists(), reason=f"the CDK CLI is not installed ({CDK}; `npm ci` in deploy/aws)"
    ),
    pytest.mark.skipif(
        not network_namespace_available(),
        reason="`unshare --net` is unavailable (needs root or user namespaces): without a "
        "network namespace of its own the synth could not prove it stays offline",
    ),
]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    root = tmp_path_factory.mktemp("cdk-cli")
    home, out = root / "home", root / "cdk.out"
    home.mkdir()
    (root / "aws-config").write_text("")
    (root / "aws-credentials").write_text("")
    env = {
        # The venv's python first: cdk.json runs `python app.py`.
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(root / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(root / "aws-credentials"),
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,20",
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "18,20",
    }
    command = ["unshare", "--net", str(CDK), "synth", "--no-notices", "--quiet", "-o", str(out)]
    result = subprocess.run(
        command, cwd=AWS_DIR, env=env, capture_output=True, text=True, check=False
    )
    return result, out


def stack_artifacts(out: Path) -> dict[str, dict]:
    manifest = json.loads((out / "manifest.json").read_text())
    return {
        name: artifact
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


def test_cdk_synth_succeeds_offline_with_a_template_per_stack(synth, stacks):
    result, out = synth
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    artifacts = stack_artifacts(out)
    assert set(artifacts) == set(stacks)
    assert len(artifacts) == 8
    for name in artifacts:
        template = json.loads((out / f"{name}.template.json").read_text())
        assert template["Resources"], name


def test_cdk_nag_reports_no_unacknowledged_error(synth):
    result, out = synth
    report = json.loads((out / "validation-report.json").read_text())
    errors = [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        if violation["severity"] == "error"
        for construct in violation["violatingConstructs"]
    ]
    assert errors == []
    # The CLI prints each unacknowledged finding as "ERROR <description> (AwsSolutions)".
    assert not re.search(r"^ERROR .*\(AwsSolutions\)$", result.stderr, re.MULTILINE)


def test_cfn_lint_passes_every_template_in_its_region(synth):
    _, out = synth
    artifacts = stack_artifacts(out)
    assert artifacts
    for name, artifact in sorted(artifacts.items()):
        region = artifact["environment"].rsplit("/", 1)[1]
        lint = subprocess.run(
            [
                str(VENV_BIN / "cfn-lint"),
                "--config-file",
                str(CFN_LINT_CONFIG),
                "--regions",
                region,
                "--",
                str(out / f"{name}.template.json"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert lint.returncode == 0, f"{name}:\n{lint.stdout}{lint.stderr}"
