"""The drill's report: its numbers (from `measure`) as JSON — with every request, for a later
look — and as Markdown, the form docs/dr-drill.md quotes. Written to
`<cluster root>/drills/<UTC timestamp>-<kill>.json` and `.md`."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hotelreviews.dr.drill import measure
from hotelreviews.dr.drill.load import MIX
from hotelreviews.dr.drill.records import WRITE_KIND, RequestRecord
from hotelreviews.dr.drill.scenario import DrillRun

REQUEST_COLUMNS = list(RequestRecord.__dataclass_fields__)


def build_report(run: DrillRun, regions: list[str]) -> dict[str, Any]:
    records, timeline = run.records, run.timeline
    latencies = measure.read_latencies(records, timeline, regions)
    rto = measure.rto_seconds(records, timeline)
    loss = measure.data_loss(records, run.stored, timeline) if run.stored is not None else None
    during = measure.phase_window(timeline, "during")
    failover_seconds = _between(timeline.failover_started, timeline.failover_finished)
    kill_seconds = _between(timeline.kill_started, timeline.kill_done)
    # What the failover itself cost writes: RTO less the kill and the wait for its processes.
    resumed_after_failover_start = (
        rto - (timeline.failover_started - timeline.kill_started)
        if rto is not None
        and timeline.failover_started is not None
        and timeline.kill_started is not None
        else None
    )
    primary_after = next(
        (node["region"] for node in run.databases_after if node["role"] == "primary"), None
    )
    writes = [record for record in records if not record.is_read]
    return {
        "run_id": run.run_id,
        "started_at": run.started_at,
        "kill": run.options.kill,
        "options": asdict(run.options),
        "latency_modelled": run.latency_modelled,
        "primary_before": run.primary_before,
        "new_primary": (run.failover or {}).get("new_primary"),
        "primary_after": primary_after,
        "killed": run.killed,
        "timeline": timeline.as_dict(),
        "rto_seconds": rto,
        "kill_seconds": kill_seconds,
        "writes_resumed_after_failover_start_seconds": resumed_after_failover_start,
        "failover_seconds": failover_seconds,
        "failover": run.failover,
        "failover_error": run.failover_error,
        "rpo": measure.as_plain(loss),
        "kept_unacknowledged_writes": (
            measure.kept_unacknowledged(records, run.stored) if run.stored is not None else None
        ),
        "read_availability_during": measure.as_plain(
            measure.read_availability(records, during, regions)
        ),
        "served_by_during": measure.served_by(records, during, regions),
        "read_latency_ms": measure.as_plain(latencies),
        "requests": {
            "total": len(records),
            "reads": len(records) - len(writes),
            "writes": len(writes),
            "acknowledged_writes": sum(1 for record in writes if record.acknowledged),
            "by_status": dict(sorted(Counter(str(r.status) for r in records).items())),
        },
        "goals": measure.as_plain(measure.goals(rto=rto, loss=loss, latencies=latencies)),
        "cleanup": run.cleanup,
        "problems": run.problems,
        "databases_after": run.databases_after,
        "request_columns": REQUEST_COLUMNS,
        "request_log": [list(asdict(record).values()) for record in records],
    }


def _or_dash(value: object) -> str:
    return "–" if value is None else str(value)


def _between(start: float | None, end: float | None) -> float | None:
    return end - start if start is not None and end is not None else None


def write_report(report: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    """`<directory>/<UTC timestamp>-<kill>.json` and `.md`."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = report["run_id"].split("-")[0]
    stem = directory / f"{stamp}-{report['kill']}"
    json_path, markdown_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    json_path.write_text(json.dumps(report, indent=1) + "\n")
    markdown_path.write_text(render_markdown(report))
    return json_path, markdown_path


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _seconds(value: float | None, decimals: int = 1) -> str:
    return "–" if value is None else f"{value:.{decimals}f} s"


def _share(availability: dict[str, Any]) -> str:
    share = availability["share"]
    if share is None:
        return "no reads"
    return f"{share * 100:.1f} % ({availability['answered']}/{availability['reads']})"


def render_markdown(report: dict[str, Any]) -> str:
    options = report["options"]
    what = "PostgreSQL of the primary" if report["kill"] == "postgres" else "the primary's region"
    latency = "modelled (cluster up --latency)" if report["latency_modelled"] else "not modelled"
    lines = [
        f"### Drill `{report['run_id']}`: SIGKILL {what} ({report['primary_before']})",
        "",
        f"Started {report['started_at']}. Load through the global entry: "
        f"{options['users_per_region']} virtual users and {options['rate_per_region']:g} "
        f"requests/s per region ({MIX[WRITE_KIND] * 100:.0f} % writes); "
        f"phases: before {options['before_seconds']:g} s, "
        f"during = until writes are acknowledged again + {options['grace_seconds']:g} s, "
        f"after {options['after_seconds']:g} s. Inter-region latency: {latency}.",
        "",
        "| Goal | Target | Measured | Met |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {goal['name']} | {goal['target']} | {goal['measured']} | "
        f"{'yes' if goal['met'] else '**no**'} |"
        for goal in report["goals"]
    ]
    rpo = report["rpo"] or {}
    failover = report["failover"] or {}
    lines += [
        "",
        "| Event | Value |",
        "|---|---|",
        f"| Killed | {', '.join(report['killed'])} |",
        f"| New primary | {report['new_primary'] or '–'} "
        f"(timeline {failover.get('timeline', '–')}) |",
        f"| RTO (kill → first acknowledged write sent after it) | "
        f"{_seconds(report['rto_seconds'])} |",
        f"| Kill (SIGKILL until every killed process is gone) | "
        f"{_seconds(report['kill_seconds'])} |",
        f"| Writes acknowledged again after the failover started | "
        f"{_seconds(report['writes_resumed_after_failover_start_seconds'])} |",
        f"| Failover command | {_seconds(report['failover_seconds'])} "
        f"(promoted after {_seconds(failover.get('seconds_to_promote'))}) |",
        f"| Acknowledged writes lost | {rpo.get('count', '–')} "
        f"(span {_seconds(rpo.get('span_seconds'), 2)}, reaching "
        f"{_seconds(rpo.get('reaches_back_seconds'), 2)} before the kill) |",
        f"| Writes kept but not acknowledged (answered with an error after the commit) | "
        f"{_or_dash(report['kept_unacknowledged_writes'])} |",
        f"| Requests | {report['requests']['total']} "
        f"({report['requests']['acknowledged_writes']} writes acknowledged); "
        f"statuses {_statuses(report['requests']['by_status'])} |",
        "",
        "| Region | Reads answered during | Requests served by (during) "
        "| Read P50/P95/P99 ms before | during | after |",
        "|---|---|---|---|---|---|",
    ]
    for region, availability in report["read_availability_during"].items():
        phases = report["read_latency_ms"][region]
        served = ", ".join(f"{k} {v}" for k, v in report["served_by_during"][region].items())
        cells = [
            "/".join(_ms(phases[phase][key]) for key in ("p50_ms", "p95_ms", "p99_ms"))
            for phase in measure.PHASES
        ]
        lines.append(f"| {region} | {_share(availability)} | {served} | {' | '.join(cells)} |")
    lines += ["", "Clean-up: " + ("; ".join(report["cleanup"]) or "nothing done") + "."]
    if report["problems"]:
        lines += ["", "Problems:", *[f"- {problem}" for problem in report["problems"]]]
    return "\n".join(lines) + "\n"


def _statuses(by_status: dict[str, int]) -> str:
    return ", ".join(
        f"{'no answer' if status == '0' else status}: {count}"
        for status, count in by_status.items()
    )
