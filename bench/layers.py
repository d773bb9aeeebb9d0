"""What each layer costs a cached hit, in process: CPU µs per request, all on and one off.

    .venv/bin/python bench/layers.py --requests 20000

The app is built by the real factory (app.factory.create_app) with every default layer on:
request telemetry (metrics, tracing at the default sample ratio exported over OTLP/HTTP to
bench/otlp_sink.py, one JSON request line buffered as by default) with the security headers
in its send wrapper; app.edge's checks: client address (a trusted proxy range is configured, so
the check runs; the peer is not in it), host names, size and rate limits (limits these requests
never reach) and identity; the response cache and the audit context. One request — a cached
hotel detail, GET /api/v1/hotels/{id} with a Host header and no credentials, what wrk sends in
bench/api.py — is called directly through the ASGI app N times in a row (no server, no socket).

Rows (CPU time of the process per request, the best of 40 short passes, variants alternating):

- `all layers`: the app as built;
- `without <Layer>`: the same built stack with that one middleware spliced out (found by
  walking the stack the factory built, so nothing here names the order or re-creates a
  layer: what the factory adds is what is measured). Layers inside the response cache are
  never reached by a hit: their rows show the noise;
- `<setting> off`: a fresh child process with one telemetry setting changed (metrics,
  tracing, the request line): what they cost inside the telemetry middleware;
- `without the edge (protection, identity)`, `... and without telemetry`: app.edge's layer
  (client address, host names, size and rate limits, identity) spliced out, then the
  request telemetry too (with it, protection's response headers, which run in its `send`
  wrapper): what those cost at most (their checks and their frames);
- `bare ASGI`: bench/bare_app.py called the same way in the same process.

`µs saved` is what removing the layer saves. `vs bare` estimates bench/api.py's ratio from
the in-process time alone: uvicorn's own work around the bare app over that plus the
variant's extra time. Last, the bare app, the whole app and the two groups driven through
uvicorn's httptools protocol on uvloop (as `hotelreviews serve` runs them: the request's
bytes in, a transport that only collects what is written), whose ratio is the one that
compares with wrk's: inside the server the same Python code runs about twice as slowly as in
a tight loop.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import REPO, WRK_HEADERS, get_scope, ingest_demo, otlp_sink

HERE = Path(__file__).resolve().parent
# Many short passes, the best of each kept: CPU time is not counted while the process waits
# for a core, but a busy machine slows what runs (caches, the core's other thread); the
# quietest short pass is the figure that repeats.
PASSES = 40
# Spliced out, a hit becomes a miss (the route, its queries): not a layer of a hit's cost.
NOT_SPLICED = frozenset({"ResponseCacheMiddleware"})
# Groups spliced out together: what the layers cost at most, checks and frames included.
# (Protection's response headers run inside the telemetry's send wrapper: they go with it.)
GROUPS = {
    "without the edge (protection, identity)": frozenset({"EdgeMiddleware"}),
    "... and without telemetry": frozenset({"EdgeMiddleware", "RequestTelemetryMiddleware"}),
}
# Settings that change what the telemetry middleware does, one child process each.
SETTING_VARIANTS: dict[str, dict[str, str]] = {
    "all layers": {},
    "metrics off": {"HOTELREVIEWS_METRICS_ENABLED": "false"},
    "tracing off": {"HOTELREVIEWS_OTLP_ENDPOINT": ""},
    "request line off": {"HOTELREVIEWS_LOG_LEVEL": "WARNING"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000, help="per variant, in all")
    parser.add_argument("--reviews", type=int, default=2_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import uvloop

        # The server's loop (`hotelreviews serve` runs uvicorn on uvloop).
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        asyncio.run(_child(args.requests, splice=args.child == "all layers"))
        return

    from api import RATE_LIMIT_RULES, UNREACHED_LIMIT

    work = Path(tempfile.mkdtemp(prefix="bench-layers-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")}
    env |= {
        "HOTELREVIEWS_DATA_DIR": str(work / "data"),
        "HOTELREVIEWS_LOG_LEVEL": "INFO",
        "HOTELREVIEWS_LOG_FORMAT": "json",
        "HOTELREVIEWS_METRICS_ENABLED": "true",
        "HOTELREVIEWS_TRACE_SAMPLE_RATIO": "0.01",
        # A proxy range the peer (127.0.0.1) is not in: the layer is on, as behind a balancer.
        "HOTELREVIEWS_TRUSTED_PROXIES": "10.0.0.0/8",
        **{f"HOTELREVIEWS_RATE_LIMIT_{rule}": UNREACHED_LIMIT for rule in RATE_LIMIT_RULES},
    }
    ingest_demo(reviews=args.reviews, work=work, env=env)
    rows: dict[str, float] = {}
    with otlp_sink() as sink_url:
        env["HOTELREVIEWS_OTLP_ENDPOINT"] = sink_url
        for variant, changes in SETTING_VARIANTS.items():
            child_env = {**env, **changes}
            if child_env["HOTELREVIEWS_OTLP_ENDPOINT"] == "":
                del child_env["HOTELREVIEWS_OTLP_ENDPOINT"]
            with (work / f"{variant.replace(' ', '-')}.log").open("wb") as log:
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        variant,
                        "--requests",
                        str(args.requests),
                    ],
                    env=child_env,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    check=True,
                )
            for line in done.stdout.splitlines():
                name, _, micros = line.rpartition(" ")
                rows[variant if name == "all layers" else name] = float(micros)
    _report(rows, args)


def _report(rows: dict[str, float], args: argparse.Namespace) -> None:
    everything = rows["all layers"]
    bare = rows["bare ASGI"]
    server = rows["uvicorn + bare ASGI"] - bare
    print(
        f"in process, cached GET /api/v1/hotels/{{id}}, {args.requests:,} requests per "
        f"variant in {PASSES} passes (the best), SQLite, {args.reviews:,} demo reviews"
    )
    print(f"{'variant':<45}{'µs/request':>11}{'µs saved':>10}{'vs bare':>9}")
    for name, micros in rows.items():
        if name.startswith("uvicorn"):
            continue
        saved = "" if name in ("all layers", "bare ASGI") else f"{everything - micros:>10.1f}"
        app = micros - bare
        print(f"{name:<45}{micros:>11.1f}{saved:>10}{server / (server + app):>9.2f}")
    print(
        f"vs bare: uvicorn's own work around the bare app ({server:.1f} µs) over that plus the "
        "variant's extra time"
    )
    print("through uvicorn's httptools protocol (one keep-alive connection, a fake transport):")
    bare_through = rows["uvicorn + bare ASGI"]
    for name, micros in rows.items():
        if name.startswith("uvicorn"):
            print(f"{name:<45}{micros:>11.1f}{'':>10}{bare_through / micros:>9.2f}")


async def _child(requests: int, *, splice: bool) -> None:
    import httpx

    sys.path.insert(0, str(HERE))
    import bare_app
    from hotelreviews.app.factory import create_app

    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            hotel = (await client.get("/api/v1/hotels?limit=1")).json()["items"][0]["id"]
            warm = await client.get(f"/api/v1/hotels/{hotel}")
            assert warm.status_code == 200
        path = f"/api/v1/hotels/{hotel}"
        built = app.middleware_stack
        assert built is not None
        variants: dict[str, Any] = {"all layers": app}
        if splice:
            for name in _layer_names(built):
                if name in NOT_SPLICED:
                    continue
                variants[f"without {name}"] = _without(app, built, {name})
            for group, names in GROUPS.items():
                variants[group] = _without(app, built, names)
            variants["bare ASGI"] = bare_app.app
        times = {name: float("inf") for name in variants}
        for _ in range(PASSES):
            for name, variant in variants.items():
                times[name] = min(
                    times[name], await _per_request(variant, path, max(1, requests // PASSES))
                )
        if splice:
            for name in ("bare ASGI", "all layers", *GROUPS):
                times[f"uvicorn + {name}"] = await _through_uvicorn(
                    variants[name], path, max(1, requests // PASSES)
                )
    for name, seconds in times.items():
        print(f"{name} {seconds * 1e6:.2f}")


def _layer_names(stack: Any) -> list[str]:
    """The middlewares of a built stack, outermost first, down to the router."""
    names = []
    node = stack
    while hasattr(node, "app") and not hasattr(node, "routes"):
        names.append(type(node).__name__)
        node = node.app
    return names


def _without(app: Any, stack: Any, names: frozenset[str] | set[str]) -> Callable[..., Any]:
    """The app's stack with the middlewares of those classes spliced out: shallow copies of the
    other layers (sharing their state with the app's: caches, budgets, metrics) chained anew."""
    import copy

    chain = []
    node = stack
    while hasattr(node, "app") and not hasattr(node, "routes"):
        chain.append(node)
        node = node.app
    kept = [layer for layer in chain if type(layer).__name__ not in names]
    inner = node
    for layer in reversed(kept):
        clone = copy.copy(layer)
        clone.app = inner
        inner = clone

    async def call(scope: Any, receive: Any, send: Any) -> None:
        scope["app"] = app  # as Starlette's __call__ does
        await inner(scope, receive, send)

    return call


def _scope(path: str) -> dict[str, Any]:
    return get_scope(path, headers=WRK_HEADERS)


async def _per_request(app: Any, path: str, requests: int) -> float:
    """CPU seconds per request, the process's (background threads included)."""
    scope = _scope(path)
    statuses: set[int] = set()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    started = time.process_time()
    for _ in range(requests):
        await app(dict(scope), receive, send)
    seconds = (time.process_time() - started) / requests
    assert statuses == {200}, statuses
    return seconds


async def _through_uvicorn(app: Any, path: str, requests: int) -> float:
    """CPU seconds per request through uvicorn's httptools protocol on one keep-alive
    connection, with a transport that only collects what is written (best of the passes)."""
    from uvicorn.config import Config
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    from uvicorn.server import ServerState

    config = Config(app, http="httptools", access_log=False, lifespan="off")
    config.load()
    loop = asyncio.get_running_loop()
    answered = asyncio.Event()

    class Transport(asyncio.Transport):
        def get_extra_info(self, name: str, default: Any = None) -> Any:
            return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
                name, default
            )

        def write(self, data: bytes | bytearray | memoryview) -> None:
            answered.set()

        def is_closing(self) -> bool:
            return False

        def close(self) -> None:
            pass

        def pause_reading(self) -> None:
            pass

        def resume_reading(self) -> None:
            pass

    protocol = HttpToolsProtocol(config, ServerState(), app_state={}, _loop=loop)
    protocol.connection_made(Transport())
    request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: wrk\r\n\r\n".encode()
    best = float("inf")
    for _ in range(PASSES):
        started = time.process_time()
        for _ in range(requests):
            answered.clear()
            protocol.data_received(request)
            # The body is written after the head: wait for the cycle to finish.
            while protocol.cycle is not None and not protocol.cycle.response_complete:
                await answered.wait()
                answered.clear()
        best = min(best, (time.process_time() - started) / requests)
    protocol.connection_lost(None)
    return best


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
