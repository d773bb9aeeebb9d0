"""File output for the demo: atomic per-file writes, optionally on a background thread.

zlib and file writes release the GIL, so with `background=True` compressing and writing run
on another core while the caller keeps generating. The queue is bounded: memory stays flat.
"""

from __future__ import annotations

import os
import queue
import re
import threading
import zlib
from pathlib import Path
from typing import BinaryIO

DEMO_FILE = re.compile(
    r"^(agoda_com|expedia_com|booking_com|group_feed)_\d{4}-\d{2}-\d{2}\.(jl|jsonl)(\.gz)?(\.part)?$"
)


# Ground truth goes to <out>/truth/: names end in .txt, which the ingester never reads.
TRUTH_DIR = "truth"
TRUTH_FILE = re.compile(r"^[a-z_0-9-]+\.jsonl\.txt(\.part)?$")


def _truth_files(out_dir: Path) -> list[Path]:
    root = out_dir / TRUTH_DIR
    if not root.is_dir():
        return []
    return [p for p in root.rglob("*") if p.is_file() and TRUTH_FILE.match(p.name)]


def clear_previous(out_dir: Path) -> None:
    """Remove demo files left by an earlier run, so files of other sizes or seeds don't mix;
    make the truth folders."""
    for path in out_dir.iterdir():
        if DEMO_FILE.match(path.name) and path.is_file():
            path.unlink()
    for path in _truth_files(out_dir):
        path.unlink()
    (out_dir / TRUTH_DIR).mkdir(exist_ok=True)


def remove_partial(out_dir: Path) -> None:
    for path in out_dir.glob("*.part"):
        if DEMO_FILE.match(path.name):
            path.unlink(missing_ok=True)
    for path in _truth_files(out_dir):
        if path.name.endswith(".part"):
            path.unlink(missing_ok=True)


class Sink:
    """One output file, written as `<name>.part` (opened on first use) and renamed when done."""

    def __init__(self, path: Path, *, gzip: bool) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.file: BinaryIO | None = None
        # wbits=31: gzip container; its header carries no name and mtime 0, so output is stable.
        # Level 1: four times faster than the default and only a third larger on these lines.
        self.zip = zlib.compressobj(1, zlib.DEFLATED, 31) if gzip else None

    def _raw(self, data: bytes) -> None:
        if self.file is None:
            self.file = open(self.part, "wb")  # noqa: SIM115 - closed by close()
        self.file.write(data)

    def write(self, data: bytes) -> None:
        self._raw(self.zip.compress(data) if self.zip else data)

    def close(self) -> None:
        self._raw(self.zip.flush() if self.zip else b"")
        assert self.file is not None
        self.file.close()
        os.replace(self.part, self.path)


class Output:
    """Hands chunks to sinks, directly or through a background thread (`background=True`)."""

    def __init__(self, out_dir: Path, *, background: bool) -> None:
        self.out_dir = out_dir
        self._queue: queue.Queue[tuple[Sink, bytes | None] | None] = queue.Queue(maxsize=32)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._run, name="demo-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            sink, data = item
            if self._error is not None:
                continue  # keep draining so the producer never blocks
            try:
                if data is None:
                    sink.close()
                else:
                    sink.write(data)
            except BaseException as exc:  # handed to the producer by check()
                self._error = exc

    def check(self) -> None:
        if self._error is not None:
            raise self._error

    def open(self, name: str, *, gzip: bool) -> Sink:
        self.check()
        return Sink(self.out_dir / name, gzip=gzip)

    def write(self, sink: Sink, chunk: bytes) -> None:
        if self._thread is None:
            sink.write(chunk)
        else:
            self.check()
            self._queue.put((sink, chunk))

    def close(self, sink: Sink) -> None:
        if self._thread is None:
            sink.close()
        else:
            self._queue.put((sink, None))

    def finish(self) -> None:
        """Wait until everything handed over is written; re-raises a writer error."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self.check()
