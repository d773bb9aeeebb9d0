"""What one source may cost: its bytes (as stored and uncompressed) and its wall time.

A budget starts when ingestion opens a source, so every pass over it counts. It is checked
where the bytes are read: for a local file on every read of the decompressed stream (at most
a chunk apart), so neither a gzip bomb nor a line that never ends runs past it between two
lines; for any other source on every line it yields, against the bytes it says it has read
and the bytes of the lines themselves. Crossing a cap raises SourceOverLimit, a permanent
SourceError naming the cap and its setting; what was committed before stays as committed.

The third cap, on rejected lines stored with their excerpts, is the writer's
(writer.BatchWriter.max_stored_rejections): rejected lines are still read and counted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from hotelreviews.ingestion.sources.errors import SourceOverLimit
from hotelreviews.ingestion.sources.streams import Readable

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

MAX_BYTES_SETTING = "HOTELREVIEWS_SOURCE_MAX_BYTES"
MAX_SECONDS_SETTING = "HOTELREVIEWS_SOURCE_MAX_SECONDS"


class _Progress(Protocol):
    display_name: str

    @property
    def bytes_read(self) -> int: ...


@dataclass(slots=True)
class SourceBudget:
    """The caps of one source, and when its clock started."""

    max_bytes: int
    max_seconds: float
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def start(cls, settings: Settings) -> SourceBudget:
        return cls(max_bytes=settings.source_max_bytes, max_seconds=settings.source_max_seconds)

    def check_time(self, name: str) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed > self.max_seconds:
            raise SourceOverLimit(
                f"{name}: stopped after {elapsed:,.1f} s: a source may take at most"
                f" {self.max_seconds:,g} s ({MAX_SECONDS_SETTING})"
            )

    def check_bytes(self, count: int, name: str, *, uncompressed: bool = False) -> None:
        if count > self.max_bytes:
            what = "uncompressed bytes" if uncompressed else "bytes"
            raise SourceOverLimit(
                f"{name}: stopped after {count:,} {what}: a source may hold at most"
                f" {self.max_bytes:,} bytes, as stored and uncompressed ({MAX_BYTES_SETTING})"
            )

    def refuse_size(self, size: int, name: str) -> None:
        """Refuse, before reading it, a source known to be larger than the cap."""
        if size > self.max_bytes:
            raise SourceOverLimit(
                f"{name}: refused: {size:,} bytes is more than a source may hold"
                f" ({self.max_bytes:,} bytes, {MAX_BYTES_SETTING})"
            )


class BudgetedReader:
    """Reads from `raw` (the decompressed stream of a source), counting its bytes against the
    budget and checking the time on every read."""

    def __init__(self, raw: Readable, budget: SourceBudget, name: str) -> None:
        self._raw = raw
        self._budget = budget
        self._name = name
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        self._budget.check_time(self._name)
        data = self._raw.read(size)
        self.count += len(data)
        self._budget.check_bytes(self.count, self._name, uncompressed=True)
        return data


def within_budget(
    lines: Iterator[tuple[int, bytes]], source: _Progress, budget: SourceBudget
) -> Iterator[tuple[int, bytes]]:
    """`lines` of any source, checked against the budget before each is passed on: the
    time, the bytes the source has read as stored, and the bytes of the lines so far (a
    lower bound of the uncompressed bytes: over-long lines are counted as cut)."""
    name = source.display_name
    uncompressed = 0
    for number, raw in lines:
        budget.check_time(name)
        budget.check_bytes(source.bytes_read, name)
        uncompressed += len(raw) + 1
        budget.check_bytes(uncompressed, name, uncompressed=True)
        yield number, raw
