"""The load test's command line: its options, the targets and the mix they make."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from load_mix import SHARES
from load_run import Target
from load_target import from_cluster

API_KEY_VARIABLE = "HOTELREVIEWS_LOAD_API_KEY"


def _number(text: str, *, minimum: float, inclusive: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < minimum or (value == minimum and not inclusive) or value != value:
        bound = f">= {minimum:g}" if inclusive else f"> {minimum:g}"
        raise argparse.ArgumentTypeError(f"{text!r}: must be {bound}")
    return value


def positive(text: str) -> float:
    return _number(text, minimum=0, inclusive=False)


def not_negative(text: str) -> float:
    return _number(text, minimum=0, inclusive=True)


def growth(text: str) -> float:
    return _number(text, minimum=1, inclusive=False)


def count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number >= 1")
    return int(text)


def rate_list(text: str) -> list[float]:
    """ "100,200,400": requests per second, each > 0."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("give at least one rate, e.g. 100,200,400")
    return [positive(item) for item in items]


def named_url(text: str) -> tuple[str, str]:
    """ "NAME=URL", the URL http(s)."""
    name, separator, url = text.partition("=")
    if not separator or not name or not url.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"{text!r}: give NAME=http(s)://host:port")
    return name, url


def server_pid(text: str) -> tuple[str, int]:
    """ "[REGION=]PID"."""
    region, _, pid = text.rpartition("=")
    if not pid.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: give PID or REGION=PID (a number)")
    return region, int(pid)


def mix(text: str) -> dict[str, float]:
    """ "KIND=WEIGHT,...", each kind known and each weight >= 0."""
    shares: dict[str, float] = {}
    for item in text.split(","):
        kind, separator, weight = item.partition("=")
        if not separator:
            raise argparse.ArgumentTypeError(f"{item!r}: give KIND=WEIGHT")
        if kind not in SHARES:
            raise argparse.ArgumentTypeError(f"unknown kind {kind!r} (kinds: {list(SHARES)})")
        shares[kind] = not_negative(weight)
    if not any(shares.values()):
        raise argparse.ArgumentTypeError("every weight is 0: nothing to send")
    return shares


def parse_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    where = parser.add_argument_group("target")
    where.add_argument("--cluster", type=Path, metavar="DATA_DIR", help="a `cluster up` dir")
    where.add_argument("--regions", help="with --cluster: only these (comma-separated)")
    where.add_argument("--region", action="append", default=[], type=named_url, metavar="NAME=URL")
    where.add_argument("--target", metavar="URL", help="one target, region name 'default'")
    where.add_argument("--cacert", help="CA certificate to trust (the cluster's: tls/ca.crt)")
    where.add_argument("--insecure", action="store_true", help="do not verify TLS (local)")
    where.add_argument("--latency", action="store_true", help="record: cluster up --latency")
    where.add_argument(
        "--server-pid",
        action="append",
        default=[],
        type=server_pid,
        metavar="[REGION=]PID",
        help="an API server whose CPU time (with its children's) counts; repeatable",
    )
    steps = parser.add_argument_group("steps")
    steps.add_argument("--rates", type=rate_list, help="requests/s per region, comma-separated")
    steps.add_argument("--start", type=positive, default=50)
    steps.add_argument("--factor", type=growth, default=1.5)
    steps.add_argument("--max", type=positive, default=2000)
    steps.add_argument("--duration", type=positive, default=60, help="recorded seconds per step")
    steps.add_argument("--warmup", type=not_negative, default=10, help="unrecorded seconds first")
    steps.add_argument("--poisson", action="store_true", help="Poisson arrivals, not constant")
    steps.add_argument("--sequential", action="store_true", help="one region at a time")
    steps.add_argument("--keep-going", action="store_true", help="step on after a miss")
    load = parser.add_argument_group("generator")
    load.add_argument("--seed", type=int, default=1)
    load.add_argument("--processes", type=count, default=1, help="generator processes")
    load.add_argument(
        "--clients",
        type=count,
        help="client addresses per region (default: one per 4 req/s, as the per-address "
        "rate limits allow about 10 a second, searches 1)",
    )
    load.add_argument("--timeout", type=positive, default=15.0)
    load.add_argument("--api-key", default=os.environ.get(API_KEY_VARIABLE), help="ingest role")
    load.add_argument("--inbox", help="the folder the workers poll (--cluster: its inbox)")
    load.add_argument("--no-writes", action="store_true", help="no ingestion requests")
    load.add_argument(
        "--mix",
        type=mix,
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
    args = parser.parse_args(argv)
    if args.rates is None and args.max < args.start:
        parser.error(f"--max {args.max:g} is below --start {args.start:g}")
    return args


# What a step's CPU is read of, per region: the API servers always (--server-pid or the
# cluster's); the database and cache servers when the cluster names them.
COMPONENTS = ("api", "database", "cache")


def targets_of(
    args: argparse.Namespace,
) -> tuple[list[Target], dict[str, dict[str, list[int]]]]:
    """The targets, and {component: {region: pids}} for the CPU figures."""
    pids: dict[str, dict[str, list[int]]] = {component: {} for component in COMPONENTS}
    if args.cluster:
        cluster = from_cluster(args.cluster)
        wanted = args.regions.split(",") if args.regions else cluster.regions
        args.cacert = args.cacert or cluster.cacert
        args.inbox = args.inbox or cluster.inbox
        if cluster.latency != args.latency:
            print(f"note: the cluster's layout says latency={cluster.latency}; recorded so")
        args.latency = cluster.latency
        targets = [Target(region, cluster.entry_url, True) for region in wanted]
        for component, found in (
            ("api", cluster.server_pids),
            ("database", cluster.database_pids),
            ("cache", cluster.cache_pids),
        ):
            pids[component] = {region: found.get(region, []) for region in wanted}
    else:
        targets = [Target(name, url, True) for name, url in args.region]
        if args.target:
            targets.append(Target("default", args.target, False))
    if not targets:
        raise SystemExit("no target: give --cluster, --region NAME=URL or --target URL")
    for region, pid in args.server_pid:
        pids["api"].setdefault(region or targets[0].region, []).append(pid)
    return targets, pids


def shares_of(args: argparse.Namespace) -> dict[str, float]:
    shares = dict(SHARES)
    if args.mix:
        shares = dict(args.mix)
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
