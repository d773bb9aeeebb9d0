"""Monitoring as code (deploy/monitoring/) checked by the real tools and against the code.

- promtool: the rules and the Prometheus configuration are valid, and the rule unit tests
  (prometheus/tests/*.test.yml) pass — each alert fires on synthetic series and stays silent
  on healthy ones; a new alert without both cases fails here.
- Every alert carries a severity, a summary, a description, and a runbook link to a section
  of docs/observability.md that exists.
- The dashboards are valid JSON on the provisioned datasource, their queries parse.
- Every metric the rules and dashboards read is one the code exports: the contract is
  src/hotelreviews/observability/metrics.py itself, read from its metric objects.
- The Alertmanager example routes pages and tickets and inhibits as documented (checked by
  structure; by amtool too when it is installed).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from hotelreviews.observability import metrics

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "deploy" / "monitoring"
PROMETHEUS = MONITORING / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS / "tests").glob("*.test.yml"))
DASHBOARDS = sorted((MONITORING / "grafana" / "dashboards").glob("*.json"))
DOCS = ROOT / "docs" / "observability.md"
# Series Prometheus makes itself, not the app.
PROMETHEUS_OWN = {"up", "ALERTS", "ALERTS_FOR_STATE"}
_IDENTIFIER = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')

pytestmark = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")


def promtool(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["promtool", *args], capture_output=True, text=True, cwd=cwd, timeout=300, check=False
    )


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def rules() -> Iterator[dict[str, Any]]:
    for path in RULE_FILES:
        for group in load_yaml(path)["groups"]:
            yield from group["rules"]


def alerts() -> list[dict[str, Any]]:
    return [rule for rule in rules() if "alert" in rule]


def dashboard_queries() -> Iterator[tuple[str, str]]:
    """(dashboard title, PromQL) of every panel target and templating query."""
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                yield board["title"], target["expr"]


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression reads (identifiers outside strings that are not
    functions, keywords or labels: those never start with hotelreviews_, or contain a colon
    when they are recorded series)."""
    bare = _STRINGS.sub('""', expr)
    return {
        name
        for name in _IDENTIFIER.findall(bare)
        if name.startswith("hotelreviews_") or ":" in name or name in PROMETHEUS_OWN
    }


def exported_series() -> set[str]:
    """Every series name the app exports: the contract, from the metric objects themselves."""
    suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}
    names: set[str] = set()
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            for family in value.describe():
                names.update(family.name + suffix for suffix in suffixes[family.type])
    return names


# ---------------------------------------------------------------------------- promtool


def test_the_rule_files_pass_promtool_check_rules() -> None:
    result = promtool("check", "rules", *map(str, RULE_FILES))
    assert result.returncode == 0, result.stdout + result.stderr
    found = [int(n) for n in re.findall(r"SUCCESS: (\d+) rules found", result.stdout)]
    assert len(found) == len(RULE_FILES) >= 4
    assert sum(found) == len(list(rules()))


def test_the_prometheus_configuration_passes_promtool_check_config(tmp_path: Path) -> None:
    # The metrics token file it names must exist: a copy of the directory, with one.
    shutil.copytree(PROMETHEUS, tmp_path / "prometheus")
    config = tmp_path / "prometheus" / "prometheus.yml"
    (tmp_path / "prometheus" / "secrets").mkdir()
    (tmp_path / "prometheus" / "secrets" / "metrics-token").write_text("token\n")

    result = promtool("check", "config", str(config))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid prometheus config file syntax" in result.stdout
    assert f"SUCCESS: {len(RULE_FILES)} rule files found" in result.stdout


def test_the_scrape_configuration_labels_every_target_with_region_and_service() -> None:
    config = load_yaml(PROMETHEUS / "prometheus.yml")
    seen: set[tuple[str, str]] = set()
    for job in config["scrape_configs"]:
        if not job["job_name"].startswith("hotelreviews-"):
            continue
        assert job["authorization"]["credentials_file"]  # the optional /metrics token
        for group in job["static_configs"]:
            seen.add((group["labels"]["region"], group["labels"]["service"]))
    regions = {"us-east-1", "eu-west-1", "ap-southeast-1"}
    assert seen == {(region, service) for region in regions for service in ("api", "worker")}


def test_the_rule_unit_tests_pass() -> None:
    result = promtool("test", "rules", *map(str, RULE_TESTS))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.count("Unit Testing:") == len(RULE_TESTS) >= 4
    assert output.count("SUCCESS") == len(RULE_TESTS)
    assert "FAILED" not in output


def test_every_alert_has_a_firing_case_and_a_silent_case_in_the_unit_tests() -> None:
    firing: set[str] = set()
    silent: set[str] = set()
    for path in RULE_TESTS:
        for case in load_yaml(path)["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else silent).add(check["alertname"])
    names = {alert["alert"] for alert in alerts()}
    assert names - firing == set(), "alerts never shown to fire in prometheus/tests/"
    assert names - silent == set(), "alerts never shown to stay silent in prometheus/tests/"
    assert firing | silent <= names, "tests of alerts that do not exist"


# ---------------------------------------------------------------------------- alerts


def test_every_alert_has_a_severity_a_summary_a_description_and_a_runbook() -> None:
    headings = {_anchor(line) for line in DOCS.read_text().splitlines() if line.startswith("#")}
    for alert in alerts():
        name = alert["alert"]
        assert alert["labels"]["severity"] in {"page", "ticket"}, name
        annotations = alert["annotations"]
        assert annotations["summary"] and annotations["description"], name
        document, _, anchor = annotations["runbook_url"].partition("#")
        assert document == "docs/observability.md", name
        assert anchor in headings, f"{name}: no section #{anchor} in docs/observability.md"


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = heading.lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_both_objectives_have_page_and_ticket_burn_rate_alerts_per_region() -> None:
    burns = [alert for alert in alerts() if alert["alert"].endswith("BudgetBurn")]
    pairs = {(alert["alert"], alert["labels"]["severity"]) for alert in burns}
    assert pairs == {
        (name, severity)
        for name in ("AvailabilityBudgetBurn", "LatencyBudgetBurn")
        for severity in ("page", "ticket")
    }
    for alert in burns:
        assert "region:" in alert["expr"]  # per region, from the recorded SLIs


# ---------------------------------------------------------------------------- the contract


def test_every_metric_the_rules_and_dashboards_read_is_exported_or_recorded() -> None:
    recorded = {rule["record"] for rule in rules() if "record" in rule}
    known = exported_series() | recorded | PROMETHEUS_OWN
    assert "hotelreviews_http_request_duration_seconds_bucket" in known  # the contract is read

    read = {("rules", name) for rule in rules() for name in metric_names(rule["expr"])}
    read |= {(title, name) for title, expr in dashboard_queries() for name in metric_names(expr)}

    assert {(where, name) for where, name in read if name not in known} == set()


def test_the_dashboard_queries_parse(tmp_path: Path) -> None:
    # promtool parses PromQL in rule files: every query as a recording rule, variables filled.
    queries = [expr.replace("$region", "us-east-1") for _, expr in dashboard_queries()]
    rule_file = tmp_path / "dashboard-queries.yml"
    rule_file.write_text(
        yaml.safe_dump(
            {
                "groups": [
                    {
                        "name": "dashboards",
                        "rules": [
                            {"record": f"dashboard:query_{n}", "expr": expr}
                            for n, expr in enumerate(queries)
                        ],
                    }
                ]
            }
        )
    )
    result = promtool("check", "rules", str(rule_file))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(queries)} rules found" in result.stdout


# ---------------------------------------------------------------------------- grafana


def test_the_dashboards_are_provisioned_on_the_prometheus_datasource_by_uid() -> None:
    grafana = MONITORING / "grafana"
    datasource = load_yaml(grafana / "provisioning" / "datasources" / "prometheus.yml")
    uid = datasource["datasources"][0]["uid"]
    provider = load_yaml(grafana / "provisioning" / "dashboards" / "hotelreviews.yml")
    assert provider["providers"][0]["type"] == "file"

    titles: set[str] = set()
    uids: set[str] = set()
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        assert 36 <= board["schemaVersion"] <= 41, path.name
        titles.add(board["title"])
        uids.add(board["uid"])
        panel_ids = [panel["id"] for panel in board["panels"]]
        assert len(panel_ids) == len(set(panel_ids)), f"{path.name}: panel ids repeat"
        for panel in board["panels"]:
            if panel["type"] == "row":
                continue
            assert panel["datasource"] == {"type": "prometheus", "uid": uid}, path.name
            assert panel["targets"], f"{path.name}: {panel['title']} has no query"
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == uid
    assert len(uids) == len(DASHBOARDS) == 4
    assert len(titles) == 4


def test_the_overview_shows_the_error_budget_and_the_region_view_is_templated() -> None:
    boards = {path.stem: json.loads(path.read_text()) for path in DASHBOARDS}
    overview = " ".join(expr for title, expr in dashboard_queries() if "overview" in title)
    assert "ratio_rate30d / 0.0005" in overview and "ratio_rate30d / 0.05" in overview
    variables = [v["name"] for v in boards["region"]["templating"]["list"]]
    assert variables == ["region"]
    region_queries = [
        target["expr"]
        for panel in boards["region"]["panels"]
        for target in panel.get("targets", [])
    ]
    assert all('region="$region"' in expr for expr in region_queries)


# ---------------------------------------------------------------------------- alertmanager


def test_the_alertmanager_example_routes_pages_and_tickets_and_inhibits_tickets() -> None:
    path = MONITORING / "alertmanager" / "alertmanager.yml"
    config = load_yaml(path)
    receivers = {receiver["name"] for receiver in config["receivers"]}
    route = config["route"]
    assert route["receiver"] in receivers
    assert set(route["group_by"]) == {"alertname", "region"}
    routed = {tuple(sub["matchers"]): sub["receiver"] for sub in route["routes"]}
    assert routed == {('severity="page"',): "pager", ('severity="ticket"',): "tickets"}
    assert receivers == {"pager", "tickets"}
    inhibit = config["inhibit_rules"][0]
    assert inhibit["source_matchers"] == ['severity="page"']
    assert inhibit["target_matchers"] == ['severity="ticket"']
    assert set(inhibit["equal"]) == {"alertname", "region"}
    # The alerts it names exist.
    names = {alert["alert"] for alert in alerts()}
    for rule in config["inhibit_rules"][1:]:
        for matcher in rule["source_matchers"] + rule["target_matchers"]:
            assert matcher.split("=", 1)[1].strip('"') in names
    if shutil.which("amtool"):
        result = subprocess.run(
            ["amtool", "check-config", str(path)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
