"""What `hotelreviews ingest` shows while it works: one line, however many files.

On a terminal, one Rich progress line that follows the current file (its bytes) and counts
the files and lines so far; a delivery of 144 files is still one line, not 144. Elsewhere (a
pipe, a log file, `make run` under CI), a plain line every few seconds, and none at all for
a run that ends sooner. Every line fits in 80 columns.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from hotelreviews.core.wording import plural

PLAIN_EVERY_SECONDS = 5.0
_NAME_WIDTH = 20  # the current file's name is cut to this (its end: dates are at the end)


@dataclass
class _Tally:
    """Files started, and lines of the files finished before the current one."""

    files: int = 0
    lines_before: int = 0
    lines_current: int = 0
    started: float = field(default_factory=time.perf_counter)

    def start_file(self) -> None:
        self.lines_before += self.lines_current
        self.lines_current = 0
        self.files += 1

    @property
    def lines(self) -> int:
        return self.lines_before + self.lines_current


class _LinesColumn(ProgressColumn):
    """Lines of every file so far and their rate (the bar follows the current file's bytes:
    sizes are known up front, line counts are not)."""

    def render(self, task: Task) -> Text:
        lines = task.fields.get("lines", 0)
        rate = task.fields.get("rate")
        shown = f"{rate:,.0f}/s" if rate else "…"
        return Text(f"{lines:>10,} lines {shown:>8}", style="progress.data.speed")


def _short(name: str) -> str:
    base = name.rstrip("/").rsplit("/", 1)[-1] or name
    return base if len(base) <= _NAME_WIDTH else "…" + base[-(_NAME_WIDTH - 1) :]


@dataclass
class IngestDisplay:
    """The two callbacks `ingest_paths` takes, drawing on a terminal or printing plain lines."""

    console: Console
    progress: Progress | None = None
    tally: _Tally = field(default_factory=_Tally)
    _task: int | None = None
    _last_plain: float = field(default_factory=time.perf_counter)

    def on_file(self, name: str, size: int) -> None:
        self.tally.start_file()
        if self.progress is None:
            return
        description = f"file {self.tally.files:<3} {_short(name):<{_NAME_WIDTH}}"
        if self._task is None:
            self._task = self.progress.add_task(
                description, total=size or None, lines=self.tally.lines, rate=None
            )
        else:
            self.progress.reset(self._task, total=size or None, description=description)

    def on_progress(self, name: str, lines: int, bytes_read: int) -> None:
        self.tally.lines_current = lines
        now = time.perf_counter()
        rate = self.tally.lines / (now - self.tally.started)
        if self.progress is not None and self._task is not None:
            self.progress.update(
                self._task, completed=bytes_read, lines=self.tally.lines, rate=rate
            )
            return
        if now - self._last_plain >= PLAIN_EVERY_SECONDS:
            self._last_plain = now
            self.console.print(
                f"ingesting: {plural(self.tally.files, 'file')} so far, "
                f"{plural(self.tally.lines, 'line')} ({rate:,.0f} lines/s)",
                highlight=False,
            )


@contextmanager
def ingest_display(console: Console, *, quiet: bool) -> Iterator[IngestDisplay | None]:
    """The display for one `ingest` run: None when quiet (`--json`)."""
    if quiet:
        yield None
        return
    if not console.is_terminal:
        yield IngestDisplay(console)
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=10),
        _LinesColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with bar:
        yield IngestDisplay(console, progress=bar)
