"""The load test's command line: its options, the targets and the mix they make."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from load_mix import SHARES
from load_run import Target
from load_target import from_cluster

API_KEY_VARIABLE = "HOTELREVIEWS_LOAD_API_KEY"


def parse_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    where = parser.add_argument_group("target")
    where.add_argument("--cluster", type=Path, metavar="DATA_DIR", help="a `cluster up` dir")
    where.add_argument("--regions", help="with --cluster: only these (comma-separated)")
    where.add_argument("--region", action="append", default=[], metavar="NAME=URL")
    where.add_argument("--target", metavar="URL", help="one target, region name 'default'")
    where.add_argument("--cacert", help="CA certificate to trust (the cluster's: tls/ca.crt)")
    where.add_argument("--insecure", action="store_true", help="do not verify TLS (local)")
    where.add_argument("--latency", action="store_true", help="record: cluster up --latency")
    where.add_argument(
        "--server-pid",
        action="append",
        default=[],
        metavar="[REGION=]PID",
        help="an API server whose CPU time (with its children's) counts; repeatable",
    )
    steps = parser.add_argument_group("steps")
    steps.add_argument("--rates", help="requests/s per region, comma-separated")
    steps.add_argument("--start", type=float, default=50)
    steps.add_argument("--factor", type=float, default=1.5)
    steps.add_argument("--max", type=float, default=2000)
    steps.add_argument("--duration", type=float, default=60, help="recorded seconds per step")
    steps.add_argument("--warmup", type=float, default=10, help="unrecorded seconds first")
    steps.add_argument("--poisson", action="store_true", help="Poisson arrivals, not constant")
    steps.add_argument("--sequential", action="store_true", help="one region at a time")
    steps.add_argument("--keep-going", action="store_true", help="step on after a miss")
    load = parser.add_argument_group("generator")
    load.add_argument("--seed", type=int, default=1)
    load.add_argument("--processes", type=int, default=1, help="generator processes")
    load.add_argument(
        "--clients",
        type=int,
        help="client addresses per region (default: one per 4 req/s, as the per-address "
        "rate limits allow about 10 a second, searches 1)",
    )
    load.add_argument("--timeout", type=float, default=15.0)
    load.add_argument("--api-key", default=os.environ.get(API_KEY_VARIABLE), help="ingest role")
    load.add_argument("--inbox", help="the folder the workers poll (--cluster: its inbox)")
    load.add_argument("--no-writes", action="store_true", help="no ingestion requests")
    load.add_argument(
        "--mix",
        metavar="KIND=WEIGHT,...",
        help=f"another mix than the issue's (kinds: {', '.join(SHARES)}); for experiments",
    )
    load.add_argument(
        "--writes",
        choices=("post", "files"),
        default="post",
        help="post: write a file into the inbox and POST its path (1 %% of requests); files: "
        "only drop the file for the workers (an API that refuses inbox paths)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="write everything here")
    return parser.parse_args(argv)


def targets_of(args: argparse.Namespace) -> tuple[list[Target], dict[str, list[int]]]:
    pids: dict[str, list[int]] = {}
    if args.cluster:
        cluster = from_cluster(args.cluster)
        wanted = args.regions.split(",") if args.regions else cluster.regions
        args.cacert = args.cacert or cluster.cacert
        args.inbox = args.inbox or cluster.inbox
        if cluster.latency != args.latency:
            print(f"note: the cluster's layout says latency={cluster.latency}; recorded so")
        args.latency = cluster.latency
        targets = [Target(region, cluster.entry_url, True) for region in wanted]
        pids = {region: cluster.server_pids.get(region, []) for region in wanted}
    else:
        targets = [
            Target(name, url, True)
            for name, _, url in (spec.partition("=") for spec in args.region)
        ]
        if args.target:
            targets.append(Target("default", args.target, False))
    if not targets:
        raise SystemExit("no target: give --cluster, --region NAME=URL or --target URL")
    for spec in args.server_pid:
        region, _, pid = spec.rpartition("=")
        pids.setdefault(region or targets[0].region, []).append(int(pid))
    return targets, pids


def shares_of(args: argparse.Namespace) -> dict[str, float]:
    shares = dict(SHARES)
    if args.mix:
        pairs = [item.partition("=") for item in args.mix.split(",")]
        shares = {kind: float(weight) for kind, _, weight in pairs}
        if unknown := set(shares) - set(SHARES):
            raise SystemExit(f"--mix: unknown kinds {sorted(unknown)} (kinds: {list(SHARES)})")
    if args.no_writes:
        return {kind: share for kind, share in shares.items() if kind != "ingest"}
    if shares.get("ingest"):
        # A cluster's key is made for the run (cluster_writer_key).
        if not args.api_key and not args.cluster and args.writes == "post":
            raise SystemExit(
                f"ingestion requests need an API key with the ingest role (--api-key or "
                f"{API_KEY_VARIABLE}: `hotelreviews keys create load-test --role ingest`), "
                "or give --no-writes"
            )
        if not args.inbox:
            raise SystemExit("ingestion requests need --inbox (a folder the worker polls)")
    return shares
