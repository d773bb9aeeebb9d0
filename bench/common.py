"""Helpers shared by the benchmarks: child processes with their peak memory, demo files."""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # the throwaway PostgreSQL server lives with the test support code
    sys.path.insert(0, str(REPO))


# Durable (fsync, synchronous commit, full-page writes) and sized as a database server would
# be, rather than PostgreSQL's minimal defaults (128 MB buffers, checkpoints every 1 GB of WAL).
PRODUCTION_LIKE = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "shared_buffers": "2GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
    "wal_compression": "on",
}


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str


def run_child(command: list[str], *, env: dict[str, str]) -> ChildRun:
    """Run a command; report its wall time and its own peak RSS (from wait4, not a poll)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return ChildRun(seconds, usage.ru_maxrss / 1024, process.returncode, stdout)


def demo_file(*, reviews: int, directory: Path) -> tuple[Path, int]:
    """One JSON Lines file holding the demo data set of `reviews` reviews (cached by size)."""
    from hotelreviews.demo import write_demo

    target = directory / f"demo_{reviews}.jl"
    if target.exists():
        return target, sum(1 for _ in target.open("rb"))
    parts = directory / f"parts_{reviews}"
    write_demo(out_dir=parts, reviews=reviews)
    lines = 0
    with target.open("wb") as out:
        # The feeds only: the planted cases' truth is in a truth/ folder beside them.
        for part in sorted(path for path in parts.iterdir() if path.is_file()):
            opener = gzip.open if part.suffix == ".gz" else open
            with opener(part, "rb") as handle:
                for line in handle:
                    out.write(line if line.endswith(b"\n") else line + b"\n")
                    lines += 1
    shutil.rmtree(parts)
    return target, lines


def delivered(files: Path) -> list[Path]:
    """The demo's files in the order they would have been delivered (by the date in their
    names: provider_YYYY-MM-DD.ext)."""
    return sorted(
        (path for path in files.iterdir() if path.is_file()),
        # The date without the extension: files of one day in name order, .jl or .jsonl.
        key=lambda path: (path.name.split("_")[-1].split(".")[0], path.name),
    )


def fresh_settings(backend: str, work: Path, server, name: str):  # noqa: ANN001, ANN201
    """Settings for a new, migrated database named `name`: a SQLite file under `work/name`, or
    a database of that name on the benchmark's PostgreSQL `server`."""
    from hotelreviews.core import migrations
    from hotelreviews.core.settings import Settings

    data_dir = work / name
    shutil.rmtree(data_dir, ignore_errors=True)  # a fresh database every run
    data_dir.mkdir()
    if backend == "sqlite":
        settings = Settings(data_dir=data_dir)
    else:
        settings = Settings(data_dir=data_dir, database_url=server.create_database(name))
    migrations.upgrade(settings)
    return settings


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_url(url: str, timeout: float = 30) -> None:
    """Return once GET `url` answers; raise its last error after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# What wrk sends with each request.
WRK_HEADERS = [(b"host", b"localhost"), (b"accept", b"*/*"), (b"user-agent", b"wrk")]


def get_scope(path: str, *, headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    """The ASGI scope of a plain GET of `path` (query string included) from 127.0.0.1, for
    calling an app straight through its ASGI interface."""
    raw_path, _, query = path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers or [(b"host", b"localhost"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


def ingest_demo(*, reviews: int, work: Path, env: dict[str, str]) -> None:
    """Generate `reviews` demo reviews in `work` and ingest them with `env`'s settings."""
    path, _ = demo_file(reviews=reviews, directory=work)
    subprocess.run(
        [sys.executable, "-m", "hotelreviews", "ingest", str(path)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def otlp_sink() -> Iterator[str]:
    """bench/otlp_sink.py on a free port of 127.0.0.1, stopped after the block: its URL."""
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("otlp_sink.py")), str(port)]
    )
    try:
        wait_for_url(f"http://127.0.0.1:{port}/stats")
        yield f"http://127.0.0.1:{port}"
    finally:
        sink.terminate()
        sink.wait()
