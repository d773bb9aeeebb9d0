"""`hotelreviews demo`: write a deterministic, realistic demo data set; optionally ingest it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from hotelreviews.core.wording import plural
from hotelreviews.demo import DemoManifest, write_demo
from hotelreviews.demo.generator import BROKEN_RATE, REDELIVERY_RATE

_PLAIN_EVERY = 5.0  # seconds between progress lines when stdout is not a terminal


def demo(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Directory for the files; earlier demo files in it are replaced.",
            show_default="demo/ in the data directory",
        ),
    ] = None,
    reviews: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="HOTELREVIEWS_DEMO_REVIEWS",
            help="Distinct reviews to generate: at least 1 (10 million is fine).",
        ),
    ] = 100_000,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed and size give byte-identical files.")
    ] = 42,
    ingest: Annotated[
        bool, typer.Option("--ingest", help="Ingest the files into the database afterwards.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="With --ingest: process files already ingested again.")
    ] = False,
    aspect_truth: Annotated[
        bool,
        typer.Option(
            "--aspect-truth",
            help="Also write each review's sentence labels to truth/aspects.jsonl.txt (slower).",
        ),
    ] = False,
    intelligence: Annotated[
        bool,
        typer.Option(
            "--intelligence/--no-intelligence",
            help="With --ingest: apply review intelligence before returning (make run leaves "
            "it to the server, which catches up in the background).",
        ),
    ] = True,
) -> None:
    if out is None:
        from hotelreviews.core.settings import get_settings

        out = get_settings().data_dir / "demo"
    console = Console()
    started = time.perf_counter()
    with _progress(console, reviews) as progress:
        manifest = write_demo(
            out_dir=out, reviews=reviews, seed=seed, progress=progress, aspect_truth=aspect_truth
        )
    _print_summary(console, manifest, time.perf_counter() - started)
    if ingest:
        from hotelreviews.cli.ingest_cmd import run_ingest

        report = run_ingest([str(out)], force=force, as_json=False)
        if report.failed:
            raise typer.Exit(code=1)
        from hotelreviews.core.settings import get_settings

        # So that the demo shows reputations and alerts as soon as it returns. `make run`
        # says --no-intelligence: its server catches up on a thread of its own while it
        # already serves (app.intelligence), a minute sooner for the newcomer.
        settings = get_settings()
        if intelligence and settings.intelligence_enabled:
            from hotelreviews.cli.intelligence_cmd import run_catch_up

            run_catch_up()
        elif settings.intelligence_runs_in_server:
            console.print(
                "review intelligence: the server applies it in the background once started\n"
                "  (`hotelreviews intelligence catch-up` does it now)"
            )


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        rate = f"{task.speed:,.0f}/s" if task.speed else "…"
        return Text(f"{int(task.completed):>10,} lines {rate:>10}", style="progress.data.speed")


@contextmanager
def _progress(console: Console, reviews: int) -> Iterator[Callable[[int], None]]:
    """A progress callback: a Rich bar on a terminal, a plain line every few seconds otherwise."""
    expected = int(reviews * (1 + REDELIVERY_RATE) / (1 - BROKEN_RATE))  # close enough for a bar
    if sys.stdout.isatty():
        # No auto-refresh thread: worker processes are forked only from a single-threaded process.
        bar = Progress(
            TextColumn("writing demo files"),
            BarColumn(bar_width=20),  # with the columns around it, 80 columns at most
            _RateColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            auto_refresh=False,
        )
        task = bar.add_task("demo", total=expected)
        shown = 0.0

        def update(lines: int) -> None:
            nonlocal shown
            bar.update(task, completed=min(lines, expected))
            if time.perf_counter() - shown >= 0.1:
                shown = time.perf_counter()
                bar.refresh()

        with bar:
            yield update
        return
    started = last = time.perf_counter()

    def plain(lines: int) -> None:
        nonlocal last
        now = time.perf_counter()
        if now - last >= _PLAIN_EVERY:
            last = now
            rate = lines / (now - started)
            print(f"written {lines:,} lines ({rate:,.0f} lines/s)", flush=True)

    yield plain


def _print_summary(console: Console, manifest: DemoManifest, seconds: float) -> None:
    """Short lines, each a whole phrase: a terminal of 80 columns never breaks one."""
    files = manifest.files
    size = sum((manifest.out_dir / f.name).stat().st_size for f in files)
    gz = sum(f.name.endswith(".gz") for f in files)
    rate = manifest.lines / seconds if seconds > 0 else 0.0
    for line in (
        f"wrote {plural(len(files), 'file')} ({gz} gzip, {size / 1e6:,.1f} MB) to",
        f"  {manifest.out_dir}",
        f"lines {manifest.lines:,} · distinct reviews {manifest.reviews:,}",
        f"edited re-deliveries {manifest.redeliveries:,} · broken {manifest.broken_lines:,} · "
        f"blank {manifest.blank_lines:,}",
        f"hotels {manifest.hotels:,} ({manifest.hotel_ids:,} hotel ids across feeds) · "
        f"seed {manifest.seed}",
        f"time {seconds:.1f} s · {rate:,.0f} lines/s",
        *(
            [f"planted {manifest.planted:,} reviews · ground truth in truth/"]
            if manifest.planted
            else []
        ),
    ):
        console.print(line, highlight=False, soft_wrap=True)
