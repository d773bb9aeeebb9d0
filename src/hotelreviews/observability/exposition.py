"""What a /metrics scrape reads (Prometheus text format): one process's values or every worker's.

The route itself is the app's (app.metrics_route).

With PROMETHEUS_MULTIPROC_DIR set (`hotelreviews serve --workers N` sets it up, see
cli.serve_cmd), each process writes its values to files there and any worker answering a
scrape adds up every process's files: the scrape sees the instance, not one worker.
Without it, the process's own registry is served (a single process: `make run`, the tests).
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from hotelreviews import __version__
from hotelreviews.core.settings import Settings
from hotelreviews.observability.metrics import BUILD_INFO

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


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
