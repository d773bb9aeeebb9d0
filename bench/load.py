"""A load test against the SLO: the highest rate each region serves with p95 < 200 ms and
errors < 0.1 %, with the cache hit ratio and the API servers' CPU per request at that rate.

    .venv/bin/python bench/load.py --cluster var --rates 100,200,400,800 --duration 60

Open model: requests are due at a constant rate (or Poisson arrivals, --poisson), whatever
the answers; each latency runs from the request's intended send time, so nothing the target
delays goes unmeasured (no coordinated omission), and a generator that falls behind sends
late, never skips, and says so. The mix (bench/load_mix.py): hotel pages and filtered review
pages 70 %, searches from the demo data's vocabulary 20 %, hotel lists 9 %, ingestion POSTs
1 % (each a small file of new reviews written into the workers' inbox), hotels picked with
Zipf popularity over every hotel the target has. Rates step up; each step warms up, then
records for --duration seconds, per region, into HdrHistograms (merged across --processes).

Targets: --cluster DATA_DIR (a `hotelreviews cluster up`: every region through the global
entry, with X-Region, trusting the cluster CA; the pids of its API servers, PostgreSQL and
Redis servers for CPU per request, its inbox), or
--region NAME=URL (repeatable) / --target URL. --latency only records that the cluster was
started with emulated inter-region latency (a --cluster layout says so itself).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the load_* modules next to this file
    sys.path.insert(0, str(HERE))

from load_mix import demo_vocabulary  # noqa: E402
from load_options import parse_args, shares_of, targets_of  # noqa: E402
from load_report import (  # noqa: E402
    HEADER,
    figures,
    step_document,
    summary_line,
    table_row,
)
from load_results import RegionResult  # noqa: E402
from load_run import StepPlan, Target, run_step, tls_verify  # noqa: E402
from load_schedule import rate_steps, sustainable_rate  # noqa: E402
from load_target import ServerCpu, cluster_writer_key, discover  # noqa: E402


def _run_everywhere(plan: StepPlan, processes: int, pool) -> list[dict]:  # noqa: ANN001
    if processes == 1:
        return [run_step(plan)]
    futures = [pool.submit(run_step, plan, worker, processes) for worker in range(processes)]
    return [future.result() for future in futures]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(" ".join(__doc__.split("\n\n")[0].split()), argv)
    targets, pids = targets_of(args)
    shares = shares_of(args)
    with contextlib.ExitStack() as stack:
        keys = {target.region: args.api_key for target in targets if args.api_key}
        if args.cluster and not args.api_key and not args.no_writes and args.writes == "post":
            # One key per region: each identity may send 1200 requests a minute.
            run = time.strftime("%H%M%S")
            keys = {
                target.region: stack.enter_context(
                    cluster_writer_key(args.cluster, f"load test {run} {target.region}")
                )
                for target in targets
            }
        return _run(args, targets, pids, shares, keys)


def _run(
    args: argparse.Namespace,
    targets: list[Target],
    pids: dict[str, dict[str, list[int]]],
    shares: dict[str, float],
    api_keys: dict[str, str],
) -> int:
    rates = rate_steps(
        args.rates,
        start=args.start,
        factor=args.factor,
        maximum=args.max,
    )
    probe = targets[0]
    hotels, providers = discover(
        probe.url,
        verify=tls_verify(args.cacert, args.insecure),
        headers={"X-Region": probe.region} if probe.region_header else None,
    )
    if not hotels:
        raise SystemExit("the target has no hotels: load the demo data first")
    vocabulary = demo_vocabulary()
    print(
        f"{len(hotels)} hotels, {len(providers)} providers; rates {rates} req/s per region; "
        f"{args.warmup:g} s warm-up + {args.duration:g} s per step; "
        f"latency emulated: {args.latency}; {args.processes} generator process(es)"
    )
    rounds = [[t] for t in targets] if args.sequential else [targets]
    document: dict = {"config": _config(args, targets, rates, len(hotels)), "steps": []}
    by_region: dict[str, list] = {t.region: [] for t in targets}
    context = get_context("spawn")
    step_numbers = itertools.count()
    run_id = int(time.time()) % 1000  # with the step: new files, keys and reviews every run
    with ProcessPoolExecutor(args.processes, mp_context=context) as pool:
        for group in rounds:
            active = list(group)
            for rate in rates:
                if not active:
                    break
                print(f"\nstep: {rate:g} req/s per region\n{HEADER}")
                plan = StepPlan(
                    targets=active,
                    rate=rate,
                    warmup=args.warmup,
                    duration=args.duration,
                    hotels=hotels,
                    provider_ids=providers,
                    vocabulary=vocabulary,
                    seed=args.seed,
                    poisson=args.poisson,
                    clients=args.clients or max(1, math.ceil(rate / 4 / args.processes)),
                    timeout=args.timeout,
                    cacert=args.cacert,
                    insecure=args.insecure,
                    api_keys=api_keys,
                    step=next(step_numbers),
                    run_id=run_id,
                    start_at=time.time() + (3.0 if args.processes > 1 else 0.05),
                    inbox=args.inbox,
                    post_writes=args.writes == "post",
                    shares=shares,
                )
                cpu = {
                    (component, t.region): ServerCpu(pids[component].get(t.region, []))
                    for component in pids
                    for t in active
                }
                before = {key: meter.seconds() for key, meter in cpu.items()}
                results = _run_everywhere(plan, args.processes, pool)
                after = {key: meter.seconds() for key, meter in cpu.items()}
                share = max(r["cpu_seconds"] / r["wall_seconds"] for r in results)
                generator_cpu = sum(r["cpu_seconds"] for r in results)
                answered = sum(
                    region["answered_total"] for r in results for region in r["regions"].values()
                )
                for target in list(active):
                    region = target.region
                    merged = RegionResult()
                    for result in results:
                        merged.merge(RegionResult.from_wire(result["regions"][region]))
                    used = {
                        component: _difference(after[key], before[key])
                        for key in cpu
                        if key[1] == region
                        for component in [key[0]]
                    }
                    step = figures(
                        region,
                        rate,
                        args.duration,
                        merged,
                        cpu_seconds=used,
                        generator_cpu_share=share,
                        generator_cpu_ms_per_request=(
                            generator_cpu * 1000 / answered if answered else None
                        ),
                    )
                    print(table_row(step))
                    by_region[region].append(step)
                    document["steps"].append(step_document(step, merged))
                    if not step.verdict().meets_slo and not args.keep_going:
                        active.remove(target)
    print()
    document["summary"] = {}
    for region, steps in by_region.items():
        sustained = sustainable_rate([step.verdict() for step in steps])
        print(summary_line(region, sustained, steps))
        document["summary"][region] = {
            "sustained_rate": sustained.rate,
            "stopped_by": sustained.stopped_by,
        }
    if args.json:
        args.json.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
        print(f"written: {args.json}")
    return 0


def _difference(after: float | None, before: float | None) -> float | None:
    return after - before if after is not None and before is not None else None


def _config(args: argparse.Namespace, targets: list[Target], rates: list[float], hotels: int):  # noqa: ANN202
    return {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "targets": [vars(t) for t in targets],
        "latency_emulated": args.latency,
        "rates": rates,
        "warmup_seconds": args.warmup,
        "duration_seconds": args.duration,
        "arrivals": "poisson" if args.poisson else "constant",
        "processes": args.processes,
        "clients_per_region": args.clients or "one per 4 req/s",
        "seed": args.seed,
        "hotels": hotels,
        "writes": "none" if args.no_writes else args.writes,
        "mix": shares_of(args),
        "slo": {"p95_ms_below": 200, "error_ratio_below": 0.001},
    }


if __name__ == "__main__":
    raise SystemExit(main())
