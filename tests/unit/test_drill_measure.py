"""The drill's statistics from synthetic request records: percentiles, phases, RTO, RPO,
read availability, who served what, and the goals."""

from __future__ import annotations

import pytest

from hotelreviews.dr.drill import measure
from hotelreviews.dr.drill.records import WRITE_KIND, RequestRecord, Timeline

REGIONS = ["us-east-1", "eu-west-1"]
# Killed at 10 s (gone at 10.2 s); the during phase ends at 20 s, the load at 30 s.
TIMELINE = Timeline(
    kill_started=10.0,
    kill_done=10.2,
    failover_started=10.2,
    failover_finished=12.0,
    during_ended=20.0,
    load_ended=30.0,
)


def read(
    started: float,
    latency: float = 0.01,
    status: int = 200,
    region: str = "us-east-1",
    served_by: str | None = None,
) -> RequestRecord:
    return RequestRecord(
        region=region,
        kind="hotels",
        started=started,
        latency=latency,
        status=status,
        served_by=served_by if served_by is not None else (region if status else None),
    )


def write(
    started: float, ident: int | None, latency: float = 0.02, status: int = 202
) -> RequestRecord:
    return RequestRecord(
        region="us-east-1",
        kind=WRITE_KIND,
        started=started,
        latency=latency,
        status=status,
        served_by="us-east-1",
        source=f"s3://hotelreviews-drill/run/{started}.jsonl",
        ingestion_id=ident if status == 202 else None,
    )


def test_percentiles_interpolate_between_ranks_like_numpy() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert measure.percentile(values, 0.5) == pytest.approx(50.5)
    assert measure.percentile(values, 0.95) == pytest.approx(95.05)
    assert measure.percentile(values, 0.99) == pytest.approx(99.01)
    assert measure.percentile([3.0, 1.0, 2.0], 0.0) == 1.0
    assert measure.percentile([3.0, 1.0, 2.0], 1.0) == 3.0
    assert measure.percentile([7.0], 0.95) == 7.0


def test_a_percentile_of_nothing_is_none_and_out_of_range_fractions_are_refused() -> None:
    assert measure.percentile([], 0.5) is None
    with pytest.raises(ValueError):
        measure.percentile([1.0], 95)


def test_latency_summaries_count_only_answered_requests_in_milliseconds() -> None:
    records = [read(1.0, latency=0.010), read(2.0, latency=0.030), read(3.0, 5.0, status=0)]
    summary = measure.latency_summary(records)
    assert summary.count == 2
    assert summary.p50_ms == pytest.approx(20.0)
    assert summary.p99_ms == pytest.approx(29.8)


def test_phases_split_requests_by_when_they_were_sent() -> None:
    assert measure.phase_window(TIMELINE, "before") == (0.0, 10.0)
    assert measure.phase_window(TIMELINE, "during") == (10.0, 20.0)
    assert measure.phase_window(TIMELINE, "after")[0] == 20.0
    records = [read(9.99, latency=1.0), read(10.0), read(19.9), read(20.0), read(25.0)]
    latencies = measure.read_latencies(records, TIMELINE, REGIONS)
    counts = {phase: summary.count for phase, summary in latencies["us-east-1"].items()}
    assert counts == {"before": 1, "during": 2, "after": 2}
    assert all(summary.count == 0 for summary in latencies["eu-west-1"].values())
    with pytest.raises(ValueError):
        measure.phase_window(TIMELINE, "later")


def test_an_unreached_phase_end_leaves_the_window_open() -> None:
    timeline = Timeline(kill_started=5.0, kill_done=5.1)
    assert measure.phase_window(timeline, "during") == (5.0, float("inf"))


def test_rto_runs_from_the_kill_to_the_first_acknowledged_write_sent_after_it() -> None:
    records = [
        write(9.0, 1),  # before the kill
        write(10.1, 2, latency=0.5),  # sent while the processes were still being killed
        write(10.5, None, status=503),  # refused during the outage
        write(14.0, 3, latency=0.5),  # the first one after: acknowledged at 14.5
        write(15.0, 4),
    ]
    assert measure.rto_seconds(records, TIMELINE) == pytest.approx(4.5)


def test_no_rto_when_writes_never_resume_or_nothing_was_killed() -> None:
    records = [write(9.0, 1), write(11.0, None, status=503), write(12.0, None, status=0)]
    assert measure.rto_seconds(records, TIMELINE) is None
    assert measure.rto_seconds([write(1.0, 1)], Timeline()) is None


def test_no_data_loss_when_the_new_primary_holds_every_acknowledged_write() -> None:
    records = [write(8.0, 1), write(9.0, 2), write(11.0, None, status=503), write(15.0, 3)]
    stored = {r.ingestion_id: r.source for r in records if r.ingestion_id is not None}
    loss = measure.data_loss(records, stored, TIMELINE)
    assert (loss.count, loss.span_seconds, loss.reaches_back_seconds, loss.lost) == (0, 0, 0, [])


def test_data_loss_counts_missing_acknowledged_writes_and_how_far_back_they_reach() -> None:
    kept, lost_first, lost_last = write(8.0, 1), write(9.2, 2), write(9.7, 3, latency=0.1)
    stored = {1: kept.source or ""}
    loss = measure.data_loss([kept, lost_last, lost_first], stored, TIMELINE)
    assert loss.count == 2
    assert loss.span_seconds == pytest.approx(9.8 - 9.22)
    assert loss.reaches_back_seconds == pytest.approx(10.0 - 9.22)
    assert [item["ingestion_id"] for item in loss.lost] == [2, 3]


def test_an_id_reused_by_the_new_primary_for_another_write_is_still_a_loss() -> None:
    lost = write(9.9, 7)
    loss = measure.data_loss([lost], {7: "s3://hotelreviews-drill/run/other.jsonl"}, TIMELINE)
    assert loss.count == 1


def test_read_availability_is_the_share_of_reads_answered_per_region() -> None:
    records = [
        read(11.0),
        read(11.5, status=304),
        read(12.0, status=503),
        read(12.5, status=0),
        read(13.0, region="eu-west-1"),
        write(12.0, None, status=503),  # writes do not count
        read(5.0, status=0),  # before the event
    ]
    availability = measure.read_availability(records, (10.0, 20.0), REGIONS)
    east = availability["us-east-1"]
    assert (east.reads, east.answered, east.share) == (4, 2, 0.5)
    assert east.statuses == {"0": 1, "200": 1, "304": 1, "503": 1}
    assert availability["eu-west-1"].share == 1.0


def test_read_availability_of_a_region_without_reads_is_unknown() -> None:
    availability = measure.read_availability([], (10.0, 20.0), REGIONS)
    assert availability["us-east-1"].share is None


def test_served_by_counts_which_region_answered_each_regions_traffic() -> None:
    records = [
        read(11.0, served_by="us-east-1"),
        read(12.0, served_by="eu-west-1"),
        read(13.0, served_by="eu-west-1"),
        read(14.0, status=0),
        read(30.0, served_by="ap-southeast-1"),  # after the window
    ]
    assert measure.served_by(records, (10.0, 20.0), REGIONS) == {
        "us-east-1": {"eu-west-1": 2, "none": 1, "us-east-1": 1},
        "eu-west-1": {},
    }


def summaries(p95_ms: float | None) -> dict[str, measure.LatencySummary]:
    summary = measure.LatencySummary(count=1, p50_ms=p95_ms, p95_ms=p95_ms, p99_ms=p95_ms)
    return {"before": summary, "during": summary, "after": summary}


def test_the_goals_are_met_with_a_fast_failover_no_loss_and_quick_reads() -> None:
    loss = measure.DataLoss(count=0, span_seconds=0, reaches_back_seconds=0, lost=[])
    result = measure.goals(
        rto=4.0, loss=loss, latencies={region: summaries(120.0) for region in REGIONS}
    )
    assert [(goal.name, goal.met) for goal in result] == [
        ("RTO", True),
        ("RPO", True),
        ("Read P95 (before, after)", True),
    ]


def test_the_goals_are_not_met_by_a_slow_failover_lost_seconds_or_a_slow_region() -> None:
    loss = measure.DataLoss(count=3, span_seconds=0.5, reaches_back_seconds=1.5, lost=[])
    latencies = {"us-east-1": summaries(120.0), "eu-west-1": summaries(250.0)}
    rto, rpo, p95 = measure.goals(rto=31.0, loss=loss, latencies=latencies)
    assert not rto.met and not rpo.met and not p95.met
    assert "eu-west-1" in p95.measured


def test_the_goals_are_not_met_when_nothing_could_be_measured() -> None:
    rto, rpo, p95 = measure.goals(
        rto=None, loss=None, latencies={region: summaries(None) for region in REGIONS}
    )
    assert not rto.met and not rpo.met and not p95.met
    assert rto.measured == "writes never resumed"


def test_writes_kept_without_an_acknowledgement_are_counted() -> None:
    acknowledged, refused = write(8.0, 1), write(9.9, None, status=503)
    stored = {1: acknowledged.source or "", 2: refused.source or ""}
    assert measure.kept_unacknowledged([acknowledged, refused], stored) == 1
    assert measure.kept_unacknowledged([acknowledged, refused], {1: acknowledged.source or ""}) == 0
