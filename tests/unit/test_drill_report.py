"""The drill's report from a synthetic run: the numbers in the JSON, the Markdown tables, the
file names."""

from __future__ import annotations

import json
from pathlib import Path

from hotelreviews.dr.drill.records import WRITE_KIND, RequestRecord, Timeline
from hotelreviews.dr.drill.report import build_report, render_markdown, write_report
from hotelreviews.dr.drill.scenario import DrillOptions, DrillRun

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-1"]


def synthetic_run() -> DrillRun:
    records = []
    for region in REGIONS:
        for tenth in range(300):  # 30 s, a read every 0.1 s
            started = tenth / 10
            outage = region == "us-east-1" and 10.0 <= started < 12.0
            records.append(
                RequestRecord(
                    region=region,
                    kind="hotels",
                    started=started,
                    latency=0.02,
                    status=0 if outage else 200,
                    served_by=None if outage else ("eu-west-1" if started >= 12 else region),
                )
            )
    for number, started in enumerate((5.0, 9.5, 11.0, 14.0, 25.0), 1):
        refused = started == 11.0
        records.append(
            RequestRecord(
                region="us-east-1",
                kind=WRITE_KIND,
                started=started,
                latency=0.05,
                status=503 if refused else 202,
                served_by="us-east-1",
                source=f"s3://hotelreviews-drill/run/{number}.jsonl",
                ingestion_id=None if refused else number,
            )
        )
    stored = {1: "s3://hotelreviews-drill/run/1.jsonl", 4: "s3://hotelreviews-drill/run/4.jsonl"}
    stored[5] = "s3://hotelreviews-drill/run/5.jsonl"  # number 2 (acknowledged at 9.55) is lost
    return DrillRun(
        run_id="20260101T120000Z-abcdef",
        started_at="2026-01-01T12:00:00.000+00:00",
        options=DrillOptions(kill="region"),
        latency_modelled=False,
        primary_before="us-east-1",
        records=records,
        timeline=Timeline(
            kill_started=10.0,
            kill_done=10.5,
            failover_started=10.5,
            failover_finished=13.0,
            during_ended=20.0,
            load_ended=30.0,
        ),
        killed=["api-us-east-1-1", "postgres (us-east-1)"],
        failover={"new_primary": "eu-west-1", "timeline": 2, "seconds_to_promote": 0.8},
        stored=stored,
        cleanup=["rejoining us-east-1 as a replica: follows eu-west-1 on timeline 2"],
        databases_after=[
            {"region": "us-east-1", "role": "replica"},
            {"region": "eu-west-1", "role": "primary"},
        ],
    )


def test_the_report_holds_the_drills_numbers() -> None:
    report = build_report(synthetic_run(), REGIONS)
    assert report["rto_seconds"] == 14.05 - 10.0
    assert report["failover_seconds"] == 2.5
    assert report["kill_seconds"] == 0.5
    assert round(report["writes_resumed_after_failover_start_seconds"], 2) == 3.55
    assert report["rpo"]["count"] == 1 and report["rpo"]["lost"][0]["ingestion_id"] == 2
    assert round(report["rpo"]["reaches_back_seconds"], 2) == 0.45
    east = report["read_availability_during"]["us-east-1"]
    assert (east["reads"], east["answered"], east["share"]) == (100, 80, 0.8)
    assert report["read_availability_during"]["eu-west-1"]["share"] == 1.0
    assert report["served_by_during"]["us-east-1"] == {"eu-west-1": 80, "none": 20, "us-east-1": 2}
    assert report["read_latency_ms"]["ap-southeast-1"]["before"]["count"] == 100
    assert [goal["met"] for goal in report["goals"]] == [True, True, True]
    assert (report["new_primary"], report["primary_after"]) == ("eu-west-1", "eu-west-1")
    assert report["requests"]["acknowledged_writes"] == 4
    assert report["kept_unacknowledged_writes"] == 0
    assert len(report["request_log"]) == len(synthetic_run().records)
    assert all(len(row) == len(report["request_columns"]) for row in report["request_log"])


def test_the_markdown_has_the_goals_the_event_and_a_row_per_region() -> None:
    markdown = render_markdown(build_report(synthetic_run(), REGIONS))
    assert "| RTO | ≤ 30 s | 4.1 s | yes |" in markdown
    assert "| Acknowledged writes lost | 1 (span 0.00 s, reaching 0.45 s before the kill) |" in (
        markdown
    )
    assert "| us-east-1 | 80.0 % (80/100) | eu-west-1 80, none 20, us-east-1 2 | 20/20/20 |" in (
        markdown
    )
    assert "| Kill (SIGKILL until every killed process is gone) | 0.5 s |" in markdown
    assert "Inter-region latency: not modelled." in markdown


def test_the_report_files_are_named_by_time_and_kind_of_kill(tmp_path: Path) -> None:
    report = build_report(synthetic_run(), REGIONS)
    json_path, markdown_path = write_report(report, tmp_path / "drills")
    assert json_path.name == "20260101T120000Z-region.json"
    assert markdown_path.name == "20260101T120000Z-region.md"
    assert json.loads(json_path.read_text())["rto_seconds"] == report["rto_seconds"]
    assert markdown_path.read_text().startswith("### Drill `20260101T120000Z-abcdef`")
