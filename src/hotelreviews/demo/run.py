"""`write_demo`: write the demo feeds, in this process or spread over worker processes.

Every file depends only on the seed and the arguments, never on which process writes it or
in what order, so the parallel and the single-process runs give byte-identical files.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from hotelreviews.demo.generator import DemoFile, DemoWorld, FileResult
from hotelreviews.demo.hotels import default_hotel_count
from hotelreviews.demo.providers import FEEDS
from hotelreviews.demo.timeline import MONTHS
from hotelreviews.demo.truth import write_aspect_truth, write_truth
from hotelreviews.demo.writer import Output, clear_previous, remove_partial

MAX_HOTELS = 50_000
PARALLEL_FROM = 200_000  # below this many reviews, starting worker processes costs more


@dataclass(frozen=True, slots=True)
class DemoManifest:
    out_dir: Path
    seed: int
    files: tuple[DemoFile, ...]
    reviews: int  # distinct reviews
    hotels: int  # hotels in the demo world
    hotel_ids: int  # distinct hotel ids in the files (a group hotel has an OTA id and its own)
    redeliveries: int  # edited re-deliveries of reviews sent in an earlier file
    broken_lines: int  # lines an ingester must reject
    blank_lines: int  # empty lines, to be skipped
    broken_by_kind: dict[str, int] = field(default_factory=dict)
    planted: int = 0  # planted reviews (part of `reviews`), listed in truth/

    @property
    def lines(self) -> int:
        return sum(f.lines for f in self.files)

    @property
    def review_lines(self) -> int:
        return sum(f.reviews for f in self.files)


def default_workers(reviews: int) -> int:
    if reviews < PARALLEL_FROM:
        return 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, usable or 1))


def write_demo(
    *,
    out_dir: Path,
    reviews: int = 100_000,
    hotels: int | None = None,
    seed: int = 42,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    aspect_truth: bool = False,
) -> DemoManifest:
    """Write demo feed files into `out_dir`; the same arguments give byte-identical files.

    `progress`, if given, is called now and then with the number of lines written so far.
    `workers` processes share the work (default: one per CPU, up to 4, for large runs); they
    are forked, so on other systems than Linux, or when the caller runs threads, the work is
    done in this process.
    Demo files from an earlier run in `out_dir` are replaced; other files are left alone.
    Ground truth goes to `out_dir/truth/` (see truth.py); `aspect_truth` also writes every
    review's sentence labels there (it reads the files back: slower).
    """
    if reviews < 1:
        raise ValueError("reviews must be at least 1")
    if hotels is not None and not 1 <= hotels <= MAX_HOTELS:
        raise ValueError(f"hotels must be between 1 and {MAX_HOTELS:,}")
    hotels = hotels or default_hotel_count(reviews)
    workers = workers or default_workers(reviews)
    if workers > 1 and not can_fork():
        workers = 1
    out_dir.mkdir(parents=True, exist_ok=True)
    clear_previous(out_dir)
    world = DemoWorld(reviews=reviews, hotels=hotels, seed=seed)
    args = (world, out_dir)
    ok = False
    try:
        if workers == 1:
            results = _in_process(*args, progress)
        else:
            results = _in_workers(*args, progress, workers)
        write_truth(out_dir, world)
        if aspect_truth:
            write_aspect_truth(out_dir)
        ok = True
    finally:
        if not ok:
            remove_partial(out_dir)
    done = [r for r in results if r is not None]
    kinds: dict[str, int] = {}
    hotel_ids = 0
    for result in done:
        hotel_ids |= result.hotel_ids
        for kind, n in result.broken_by_kind.items():
            kinds[kind] = kinds.get(kind, 0) + n
    files = tuple(r.file for r in done)
    return DemoManifest(
        out_dir=out_dir,
        seed=seed,
        files=files,
        reviews=reviews,
        hotels=hotels,
        hotel_ids=hotel_ids.bit_count(),
        redeliveries=sum(f.redeliveries for f in files),
        broken_lines=sum(f.broken for f in files),
        blank_lines=sum(f.blank for f in files),
        broken_by_kind=dict(sorted(kinds.items())),
        planted=world.plan.count,
    )


_TASKS = [(k, m) for m in range(MONTHS) for k in range(len(FEEDS))]


def _in_process(
    world: DemoWorld, out_dir: Path, progress: Callable[[int], None] | None
) -> list[FileResult | None]:
    out = Output(out_dir, background=True)  # compression and disk writes on a second core
    written = 0

    def on_lines(n: int) -> None:
        nonlocal written
        written += n
        if progress is not None:
            progress(written)

    try:
        return [world.write_file(FEEDS[k], m, out, on_lines) for k, m in _TASKS]
    finally:
        out.finish()


def can_fork() -> bool:
    """Worker processes are forked (Linux), and only from a process running no other threads."""
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def _in_workers(
    world: DemoWorld,
    out_dir: Path,
    progress: Callable[[int], None] | None,
    workers: int,
) -> list[FileResult | None]:
    # Forked workers inherit the world built here: nothing to pickle, nothing to rebuild, and
    # unlike spawn or forkserver, no re-import of the caller's __main__ (`python -m ...`).
    global _worker
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0)
    _worker = (world, Output(out_dir, background=False), counter)
    try:
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            futures = [pool.submit(_work, k, m) for k, m in _TASKS]
            try:
                pending = set(futures)
                while pending:
                    _, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                    if progress is not None:
                        progress(counter.value)
                return [f.result() for f in futures]
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
    finally:
        _worker = None


_worker: tuple[DemoWorld, Output, Synchronized[int]] | None = None


def _work(feed_index: int, month: int) -> FileResult | None:
    assert _worker is not None, "worker state is inherited from the parent by fork"
    world, out, counter = _worker

    def on_lines(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    return world.write_file(FEEDS[feed_index], month, out, on_lines)
