"""/metrics in the Prometheus text format, for one process or for every worker of a serve run.

With PROMETHEUS_MULTIPROC_DIR set (`hotelreviews serve --workers N` sets it up, see
cli.serve_cmd), each process writes its values to files there and any worker answering a
scrape adds up every process's files: the scrape sees the instance, not one worker.
Without it, the process's own registry is served (a single process: `make run`, the tests).
"""

from __future__ import annotations

import hmac
import os
import platform
from pathlib import Path

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from hotelreviews import __version__
from hotelreviews.api.problems import problem_response
from hotelreviews.core.settings import Settings
from hotelreviews.observability.metrics import BUILD_INFO

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

router = APIRouter()


def multiprocess_dir() -> Path | None:
    """The directory the processes of this run share their values through, if any."""
    directory = os.environ.get(MULTIPROC_DIR_VARIABLE)
    return Path(directory) if directory else None


def scrape_registry() -> CollectorRegistry:
    """What a scrape reads: every process's files in multiprocess mode, else this process's."""
    if multiprocess_dir() is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def set_build_info(settings: Settings) -> None:
    BUILD_INFO.labels(
        version=__version__,
        python_version=platform.python_version(),
        region=settings.region,
    ).set(1)


def process_exited() -> None:
    """Drop this process's live gauges from the shared files (its counters stay counted)."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())


# A plain def: FastAPI runs it in a thread, so reading the files never blocks the event loop.
@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The metrics of this instance, for Prometheus (bearer token when one is configured)."""
    token = request.app.state.settings.metrics_bearer_token
    if token is not None and not _presents(request, token.get_secret_value()):
        return problem_response(
            status=401,
            code="metrics_token_required",
            title="Metrics token required",
            detail="send Authorization: Bearer <the metrics token> to read /metrics",
            instance=request.url.path,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    # The classic text format (0.0.4): what every Prometheus 2.x reads; the names need no more.
    return Response(latest(), media_type=CONTENT_TYPE_PLAIN_0_0_4)


def latest() -> bytes:
    """This instance's metrics in the text format (what a scrape gets)."""
    directory = multiprocess_dir()
    if directory is not None:
        forget_dead_processes(directory)
    return generate_latest(scrape_registry())


def forget_dead_processes(directory: Path) -> None:
    """Drop the live gauges of processes that died without saying so (a worker killed and
    replaced by uvicorn): their pool connections and replica health are no longer true."""
    for path in directory.glob("gauge_live*.db"):
        _, _, pid = path.stem.rpartition("_")
        if pid.isdigit() and not _running(int(pid)):
            multiprocess.mark_process_dead(int(pid), str(directory))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, under another user
    return True


def _presents(request: Request, token: str) -> bool:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Constant time: how much of a guess matched must not show in the response time.
    return hmac.compare_digest(credentials.strip().encode(), token.encode())
