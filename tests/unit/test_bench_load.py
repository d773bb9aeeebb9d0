"""The load test's generator (bench/load*.py): schedule, mix, histograms, stepping, and one
small end-to-end run against an HTTP server on 127.0.0.1 that the test starts."""

from __future__ import annotations

import asyncio
import collections
import http.server
import math
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import uvicorn
from hdrh.histogram import HdrHistogram

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:  # the bench scripts import their siblings by plain name
    sys.path.insert(0, str(BENCH))

import load  # noqa: E402
import load_report  # noqa: E402
import load_run  # noqa: E402
import load_target  # noqa: E402
from hotelreviews.ingestion.shapes.parsing import parse_line  # noqa: E402
from hotelreviews.ingestion.shapes.records import NormalizedReview  # noqa: E402
from load_ingest import review_lines  # noqa: E402
from load_mix import SHARES, Hotel, Mix, Zipf, demo_vocabulary  # noqa: E402
from load_options import parse_args, shares_of  # noqa: E402
from load_results import RegionResult, new_histogram  # noqa: E402
from load_run import StepPlan, Target  # noqa: E402
from load_schedule import (  # noqa: E402
    StepVerdict,
    arrival_offsets,
    rate_steps,
    sustainable_rate,
)

HOTELS = [Hotel(i, str(5000 + i), f"City {i % 7}", f"Country {i % 3}", f"Lantern {i}") for i in
          range(1, 1001)]  # fmt: skip


# ---- the schedule --------------------------------------------------------------------------


def test_constant_arrivals_are_due_at_i_over_rate_and_workers_split_one_schedule() -> None:
    single = list(arrival_offsets(10, 1.0))
    assert single == pytest.approx([i / 10 for i in range(10)])
    split = [list(arrival_offsets(10, 1.0, worker=k, workers=3)) for k in range(3)]
    assert sorted(offset for part in split for offset in part) == pytest.approx(single)
    assert split[1] == pytest.approx([0.1, 0.4, 0.7])


def test_poisson_arrivals_are_seeded_ascending_and_near_the_rate() -> None:
    first = list(arrival_offsets(200, 50, poisson=True, seed=7))
    assert first == list(arrival_offsets(200, 50, poisson=True, seed=7))
    assert first != list(arrival_offsets(200, 50, poisson=True, seed=8))
    assert first == sorted(first) and first[-1] < 50
    # 10,000 expected; the standard deviation of the count is 100.
    assert abs(len(first) - 10_000) < 500


class _RecordingLoad:
    """Stands in for a region's load: records when each send was intended and started, and
    blocks the event loop once (a generator busy elsewhere) on the first send."""

    def __init__(self, block_seconds: float) -> None:
        self.result = RegionResult()
        self.target = Target("r", "http://127.0.0.1:1", False)
        self.sends: list[tuple[float, float, bool]] = []
        self.block_seconds = block_seconds

    async def send(self, intended: float, record: bool) -> None:
        self.sends.append((intended, time.monotonic(), record))
        if len(self.sends) == 1:
            time.sleep(self.block_seconds)  # noqa: ASYNC251 - the point: the loop is stuck


def _plan(rate: float, warmup: float, duration: float, **extra) -> StepPlan:  # noqa: ANN003
    fields = {"targets": [], "hotels": HOTELS, "provider_ids": [1, 2]} | extra
    return StepPlan(
        rate=rate, warmup=warmup, duration=duration, vocabulary=demo_vocabulary(), **fields
    )


def test_a_late_generator_sends_every_request_late_never_skips_and_reports_its_lag() -> None:
    stuck = _RecordingLoad(block_seconds=0.3)
    plan = _plan(rate=100, warmup=0, duration=0.5)
    start = time.monotonic()
    asyncio.run(load_run._drive(stuck, plan, start, start, 0, 1))
    assert len(stuck.sends) == 50  # every one of 0.5 s at 100/s, none skipped
    intended = [when for when, _, _ in stuck.sends]
    assert intended == pytest.approx([start + i / 100 for i in range(50)])
    # The requests due while the loop was stuck went out late, in order, and the lag says so.
    assert all(sent >= when for when, sent, _ in stuck.sends)
    assert stuck.result.lag.get_total_count() == 50
    assert stuck.result.lag.get_max_value() >= 0.3e6 - 0.01e6 * 2


def test_the_warm_up_is_sent_but_not_recorded() -> None:
    load_ = _RecordingLoad(block_seconds=0)
    plan = _plan(rate=100, warmup=0.2, duration=0.3)
    start = time.monotonic()
    asyncio.run(load_run._drive(load_, plan, start, start + 0.2, 0, 1))
    recorded = [record for *_, record in load_.sends]
    assert recorded == [False] * 20 + [True] * 30
    assert load_.result.lag.get_total_count() == 30


# ---- latency from the intended send time ---------------------------------------------------


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    """Answers after 0.2 s, one request at a time (a single-threaded server)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        time.sleep(0.2)
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # noqa: ANN002 - quiet
        pass


def test_latency_runs_from_the_intended_send_time_so_queueing_counts() -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        plan = _plan(
            rate=20, warmup=0, duration=0.5, clients=2, shares={"hotel": 1.0},
            targets=[Target("slow", url, False)],
        )  # fmt: skip
        result = RegionResult.from_wire(load_run.run_step(plan)["regions"]["slow"])
    finally:
        server.shutdown()
        server.server_close()
    # 10 requests due within 0.5 s, served one after another at 0.2 s each: the last cannot
    # be answered before 2.0 s after the start, 1.55 s after it was due. Measured from when
    # it was actually sent it could look like a fraction of that.
    assert result.sent == 10 and result.errors == 0
    assert result.latency.get_max_value() >= 1.5e6
    assert result.latency.get_value_at_percentile(50) >= 0.2e6


# ---- the mix -------------------------------------------------------------------------------


def test_the_mix_draws_each_kind_in_its_share() -> None:
    mix = Mix(HOTELS, [1, 2, 3], demo_vocabulary(), seed=3)
    kinds = collections.Counter(mix.next().kind for _ in range(40_000))
    for kind, share in SHARES.items():
        assert kinds[kind] / 40_000 == pytest.approx(share, abs=0.01), kind
    reads = (kinds["hotel"] + kinds["trend"] + kinds["reviews"]) / 40_000
    assert reads == pytest.approx(0.70, abs=0.01)


def test_the_mix_is_reproducible_from_its_seed() -> None:
    def paths(seed: int) -> list[str]:
        mix = Mix(HOTELS, [1, 2], demo_vocabulary(), seed=seed)
        return [mix.next().path for _ in range(200)]

    assert paths(5) == paths(5)
    assert paths(5) != paths(6)


def test_requests_are_valid_api_calls_over_known_hotels() -> None:
    mix = Mix(HOTELS, [1, 2], demo_vocabulary(), seed=4)
    ids = {hotel.id for hotel in HOTELS}
    for _ in range(2000):
        request = mix.next()
        path, _, query = request.path.partition("?")
        params = urllib.parse.parse_qs(query)
        assert path.startswith("/api/v1/")
        if path.startswith("/api/v1/hotels/"):
            assert int(path.split("/")[4]) in ids
        if request.kind == "search":
            (terms,) = params["q"]
            assert 1 <= len(terms.split()) <= 12 and len(terms) <= 200
        if request.kind == "ingest":
            assert request.method == "POST" and request.hotel in HOTELS
        assert all(int(limit) <= 100 for limit in params.get("limit", []))


def test_hotels_are_drawn_with_zipf_popularity() -> None:
    draws = 50_000
    zipf = Zipf(HOTELS, 1.1, random.Random(1))
    counts = collections.Counter(zipf.draw() for _ in range(draws))
    ranked = [count for _, count in counts.most_common()]
    harmonic = sum(1 / rank**1.1 for rank in range(1, len(HOTELS) + 1))
    assert ranked[0] / draws == pytest.approx(1 / harmonic, abs=0.01)
    assert ranked[1] / draws == pytest.approx(1 / 2**1.1 / harmonic, abs=0.01)
    assert sum(ranked[:100]) / draws > 0.6  # a tenth of the hotels, most of the traffic
    assert len(counts) > 500  # and the long tail is asked for too


def test_searches_use_the_demo_texts_vocabulary() -> None:
    vocabulary = demo_vocabulary()
    assert "breakfast" in vocabulary.words["en"]
    assert "friendly staff" in vocabulary.phrases["en"]
    assert set(vocabulary.words) >= {"en", "de", "fr", "es", "pt", "vi", "ja"}


def test_ingestion_files_hold_reviews_the_platform_parses() -> None:
    lines = review_lines(HOTELS[0], run_id=1, number=7, rng=random.Random(1))
    parsed = [parse_line(line) for line in lines]
    assert parsed and all(isinstance(review, NormalizedReview) for review in parsed)
    again = review_lines(HOTELS[0], run_id=1, number=8, rng=random.Random(1))
    assert {orjson.loads(x)["comment"]["hotelReviewId"] for x in lines}.isdisjoint(
        orjson.loads(x)["comment"]["hotelReviewId"] for x in again
    )


# ---- histograms across generator processes -------------------------------------------------


def test_results_of_two_workers_merge_into_the_histogram_of_all_samples() -> None:
    draw = random.Random(9)
    samples = [max(1, round(draw.lognormvariate(9, 1.2))) for _ in range(20_000)]
    whole, halves = new_histogram(), [RegionResult(), RegionResult()]
    for index, value in enumerate(samples):
        whole.record_value(value)
        halves[index % 2].latency.record_value(value)
        halves[index % 2].sent += 1
    merged = RegionResult()
    for half in halves:  # through the wire format, as from another process
        merged.merge(RegionResult.from_wire(half.to_wire()))
    assert merged.sent == len(samples)
    assert merged.latency.get_total_count() == whole.get_total_count()
    for percentile in (50, 90, 95, 99, 99.9, 100):
        got = merged.latency.get_value_at_percentile(percentile)
        assert got == whole.get_value_at_percentile(percentile)
    assert merged.latency.get_max_value() == whole.get_max_value()


# ---- the stepping decision -----------------------------------------------------------------


def _verdict(rate: float, p95: float | None, errors: float = 0.0, lag: float = 0.5):
    return StepVerdict(rate, p95, errors, lag)


def test_the_sustained_rate_is_the_last_step_meeting_the_slo_before_the_first_miss() -> None:
    steps = [_verdict(100, 20), _verdict(200, 60), _verdict(400, 250), _verdict(800, 90)]
    sustained = sustainable_rate(steps)
    assert (sustained.rate, sustained.stopped_by) == (200, "slo")


def test_errors_at_or_above_a_thousandth_miss_the_slo() -> None:
    steps = [_verdict(100, 20, errors=0.0009), _verdict(200, 20, errors=0.001)]
    assert sustainable_rate(steps).rate == 100


def test_a_miss_while_the_generator_lagged_is_inconclusive() -> None:
    steps = [_verdict(100, 20), _verdict(200, 400, lag=50)]
    assert sustainable_rate(steps).stopped_by == "generator"
    passed_late = [_verdict(100, 20, lag=50)]
    assert sustainable_rate(passed_late).rate == 100  # its latencies include the lag anyway


def test_no_step_meeting_the_slo_and_every_step_meeting_it() -> None:
    assert sustainable_rate([_verdict(100, None, errors=1.0)]).rate is None
    assert sustainable_rate([_verdict(100, 10), _verdict(200, 10)]).stopped_by == "max"


def test_rate_steps_given_or_geometric() -> None:
    assert rate_steps([400, 100], start=1, factor=2, maximum=1) == [100, 400]
    assert rate_steps(None, start=100, factor=2, maximum=800) == [100, 200, 400, 800]
    with pytest.raises(ValueError):
        rate_steps(None, start=100, factor=1, maximum=800)


# ---- end to end against a small local API --------------------------------------------------


def _tiny_api(inbox: Path):  # noqa: ANN202 - an ASGI app
    """The routes the load asks for; X-Cache says hit from the second time a path is seen."""
    seen: set[str] = set()
    posted: list[str] = []
    inbox_root = inbox.resolve()

    async def app(scope, receive, send):  # noqa: ANN001, ANN202
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path, query = scope["path"], scope["query_string"].decode()
        headers = [(b"content-type", b"application/json")]
        status, answer = 200, {}
        if path == "/api/v1/hotels" and "cursor" not in query and "sort=name" in query:
            items = [{"id": h.id, "external_id": h.external_id, "city": h.city,
                      "country": h.country, "name": h.name} for h in HOTELS[:60]]  # fmt: skip
            answer = {"items": items, "next_cursor": "page-2"}
        elif path == "/api/v1/hotels" and "cursor=page-2" in query:
            items = [{"id": h.id, "name": h.name} for h in HOTELS[60:100]]
            answer = {"items": items, "next_cursor": None}
        elif path == "/api/v1/providers":
            answer = {"items": [{"id": 1}, {"id": 2}], "next_cursor": None}
        elif scope["method"] == "POST" and path == "/api/v1/ingestions":
            source = orjson.loads(body)["source_uri"]
            # Whether the file is there is checked after the run (no file I/O in the loop).
            ok = (
                Path(source).parent == inbox_root
                and dict(scope["headers"]).get(b"x-api-key") == b"secret"
            )
            status = 202 if ok else 422
            posted.append(source)
        else:
            key = f"{path}?{query}"
            headers.append((b"x-cache", b"hit" if key in seen else b"miss"))
            seen.add(key)
        payload = orjson.dumps(answer)
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    app.posted = posted  # type: ignore[attr-defined]
    return app


@pytest.fixture
def tiny_api(tmp_path: Path) -> Iterator[tuple[str, Path, object]]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    app = _tiny_api(inbox)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # log_config=None: uvicorn's own dictConfig would stop "uvicorn.*" loggers propagating,
    # for every later test in this process (test_observability_logging saw it).
    config = uvicorn.Config(app, log_level="warning", lifespan="off", log_config=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", inbox, app
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_a_short_stepped_run_end_to_end(
    tiny_api: tuple[str, Path, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, inbox, app = tiny_api
    report = tmp_path / "load.json"
    argv = ["--target", url, "--rates", "100,200", "--warmup", "0.5", "--duration", "1"]
    argv += ["--api-key", "secret", "--inbox", str(inbox), "--clients", "8", "--keep-going"]
    # More writes than the default 1 %, so that a run this short surely has some.
    argv += ["--mix", "hotel=30,reviews=30,search=20,list=10,ingest=10"]
    assert load.main([*argv, "--json", str(report)]) == 0
    document = orjson.loads(report.read_bytes())
    steps = document["steps"]
    assert [step["rate"] for step in steps] == [100, 200]
    # Constant arrivals: exactly rate x duration recorded, every one answered.
    assert [step["requests"] for step in steps] == [100, 200]
    assert all(set(step["statuses"]) <= {"200", "202"} for step in steps)
    assert all(step["error_ratio"] == 0 for step in steps)
    assert all(0 < step["cache_hit_ratio"] < 1 for step in steps)
    assert document["config"]["hotels"] == 100
    # The writes wrote files into the inbox and named them in their POSTs.
    posted = app.posted  # type: ignore[attr-defined]
    assert posted and all(Path(source).exists() for source in posted)
    assert sorted(map(str, inbox.resolve().iterdir())) == sorted(posted)
    assert sum(step["requests_by_kind"].get("ingest", 0) for step in steps) > 0
    assert all("202" in step["statuses"] for step in steps)
    merged = RegionResult()
    merged.latency = HdrHistogram.decode(steps[1]["latency_histogram"].encode())
    assert merged.latency.get_total_count() == 200
    assert document["summary"]["default"]["stopped_by"] in ("max", "slo", "generator")
    out = capsys.readouterr().out
    assert "step: 200 req/s per region" in out and "default:" in out
    assert math.isfinite(steps[0]["p95_ms"])


# ---- the target ----------------------------------------------------------------------------


def test_a_cluster_layout_gives_the_global_entry_its_ca_regions_inbox_and_latency(
    tmp_path: Path,
) -> None:
    from hotelreviews.cluster import layout as cluster_layout

    planned = cluster_layout.plan(tmp_path / "cluster", latency=True)
    planned.save()
    cluster = load_target.from_cluster(tmp_path)
    assert cluster.entry_url == f"https://127.0.0.1:{planned.global_port}"
    assert cluster.cacert == str(tmp_path.resolve() / "cluster" / "tls" / "ca.crt")
    assert cluster.regions == ["us-east-1", "eu-west-1", "ap-southeast-1"]
    assert cluster.inbox == str(tmp_path.resolve() / "cluster" / "inbox")
    assert cluster.latency is True
    # None running: no API, PostgreSQL or Redis process to read CPU of.
    assert cluster.server_pids == {region: [] for region in cluster.regions}
    assert cluster.database_pids == {region: [] for region in cluster.regions}
    assert cluster.cache_pids == {region: [] for region in cluster.regions}


def test_server_cpu_is_read_from_live_processes_only() -> None:
    assert load_target.ServerCpu([os.getpid()]).seconds() > 0
    assert load_target.ServerCpu([]).seconds() is None
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()  # reaped: its pid names no process now
    assert load_target.ServerCpu([exited.pid]).seconds() is None


def test_server_cpu_counts_children_that_exited_and_were_reaped() -> None:
    # A server whose child (a PostgreSQL backend, say) burns CPU and ends before the reading:
    # its CPU is in the parent's children times, and counts.
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import resource, subprocess, sys, time\n"
            "subprocess.run([sys.executable, '-c', 'sum(range(30_000_000))'], check=True)\n"
            "used = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "print(used.ru_utime + used.ru_stime, flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        child_seconds = float(parent.stdout.readline())
        assert child_seconds > 0
        # /proc counts in clock ticks (10 ms), getrusage in microseconds: two fields' worth.
        assert load_target.ServerCpu([parent.pid]).seconds() >= child_seconds - 0.02
    finally:
        parent.kill()
        parent.wait()


def test_a_step_reports_cpu_per_request_of_each_server_it_could_read() -> None:
    merged = RegionResult(sent=100, answered_total=200)
    step = load_report.figures(
        "eu-west-1",
        50,
        2.0,
        merged,
        cpu_seconds={"api": 0.5, "database": 0.1, "cache": None},
        generator_cpu_share=0.2,
    )
    assert step.cpu_ms_per_request == pytest.approx(2.5)
    assert step.database_cpu_ms_per_request == pytest.approx(0.5)
    assert step.cache_cpu_ms_per_request is None
    row = load_report.table_row(step)
    assert "2.50" in row and "0.50" in row


def test_with_writes_as_files_a_write_drops_its_file_and_sends_nothing(tmp_path: Path) -> None:
    plan = _plan(
        rate=10, warmup=0, duration=0.1, shares={"ingest": 1.0}, inbox=str(tmp_path),
        post_writes=False, targets=[Target("r", "http://127.0.0.1:9", False)],
    )  # fmt: skip
    region = load_run.RegionLoad(plan, plan.targets[0], 0, 1)

    async def two_writes() -> None:
        await region.send(time.monotonic(), True)
        await region.send(time.monotonic(), True)
        await region.close()

    asyncio.run(two_writes())
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2 and all(parse_line(f.read_bytes().splitlines()[0]) for f in files)
    assert region.result.sent == 0 and not region.result.statuses  # no request was made


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--rates", "100,-5"], "must be > 0"),
        (["--rates", ","], "at least one rate"),
        (["--start", "0"], "must be > 0"),
        (["--factor", "1"], "must be > 1"),
        (["--start", "500", "--max", "100"], "below --start"),
        (["--duration", "abc"], "is not a number"),
        (["--processes", "0"], "whole number >= 1"),
        (["--region", "eu-west-1"], "NAME=http(s)://host:port"),
        (["--region", "eu=ftp://x"], "NAME=http(s)://host:port"),
        (["--server-pid", "eu=abc"], "PID or REGION=PID"),
        (["--mix", "hotel"], "KIND=WEIGHT"),
        (["--mix", "shopping=1"], "unknown kind"),
        (["--mix", f"{next(iter(SHARES))}=x"], "is not a number"),
        (["--mix", f"{next(iter(SHARES))}=0"], "nothing to send"),
    ],
)
def test_bad_options_are_refused_with_what_to_give(
    arguments: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        parse_args("load", ["--target", "http://127.0.0.1:9", *arguments])
    assert refused.value.code == 2
    assert says in capsys.readouterr().err


def test_good_options_are_parsed_into_values() -> None:
    kind = next(iter(SHARES))
    args = parse_args(
        "load",
        [
            "--region", "eu-west-1=http://127.0.0.1:9",
            "--server-pid", "eu-west-1=123",
            "--rates", "200, 100",
            "--mix", f"{kind}=2",
            "--no-writes",
        ],
    )  # fmt: skip
    assert args.region == [("eu-west-1", "http://127.0.0.1:9")]
    assert args.server_pid == [("eu-west-1", 123)]
    assert args.rates == [200.0, 100.0]
    assert shares_of(args) == {kind: 2.0}
