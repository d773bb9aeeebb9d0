"""The budget of one source: bytes as stored and uncompressed, and wall time."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from hotelreviews.ingestion.sources.errors import SourceOverLimit
from hotelreviews.ingestion.sources.limits import SourceBudget
from hotelreviews.ingestion.sources.local import spool_stream
from hotelreviews.ingestion.sources.opening import iter_lines


class StreamedSource:
    """A source this module does not read itself (as an S3 object or a URL is): it yields
    lines and says how many bytes it has read, as stored."""

    display_name = "s3://feeds/a.jl.gz"

    def __init__(self, lines: list[bytes], stored_per_line: int) -> None:
        self._lines = lines
        self._stored_per_line = stored_per_line
        self.bytes_read = 0

    def iter_lines(self, *, start_after_line: int = 0) -> Iterator[tuple[int, bytes]]:
        for number, line in enumerate(self._lines, start=1):
            self.bytes_read += self._stored_per_line
            if number > start_after_line:
                yield number, line


def read_until_refused(source: StreamedSource, budget: SourceBudget) -> tuple[list[int], str]:
    seen = []
    with pytest.raises(SourceOverLimit) as refused:
        for number, _ in iter_lines(source, budget=budget):
            seen.append(number)
    return seen, str(refused.value)


def test_any_source_stops_once_the_bytes_it_read_as_stored_pass_the_cap() -> None:
    source = StreamedSource([b"x" * 10] * 10, stored_per_line=3000)
    seen, message = read_until_refused(source, SourceBudget(max_bytes=10_000, max_seconds=60))
    assert seen == [1, 2, 3]
    assert message == (
        "s3://feeds/a.jl.gz: stopped after 12,000 bytes: a source may hold at most 10,000"
        " bytes, as stored and uncompressed (HOTELREVIEWS_SOURCE_MAX_BYTES)"
    )


def test_any_source_stops_once_its_lines_pass_the_cap_uncompressed() -> None:
    source = StreamedSource([b"x" * 999] * 30, stored_per_line=10)  # a compressed source
    seen, message = read_until_refused(source, SourceBudget(max_bytes=10_000, max_seconds=60))
    assert seen == list(range(1, 11))
    assert "stopped after 11,000 uncompressed bytes" in message


def test_any_source_stops_once_its_time_is_up() -> None:
    source = StreamedSource([b"x"] * 5, stored_per_line=1)
    budget = SourceBudget(max_bytes=10_000, max_seconds=30, started=0.0)  # long ago
    seen, message = read_until_refused(source, budget)
    assert seen == []
    assert message.startswith("s3://feeds/a.jl.gz: stopped after ")
    assert message.endswith(" s: a source may take at most 30 s (HOTELREVIEWS_SOURCE_MAX_SECONDS)")


def test_standard_input_over_the_cap_is_refused_while_it_is_spooled() -> None:
    budget = SourceBudget(max_bytes=1024, max_seconds=60)
    with pytest.raises(SourceOverLimit, match=r"^<stdin>: stopped after 2,048 bytes"):
        spool_stream(io.BytesIO(b"x\n" * 1024), budget=budget)
    with spool_stream(io.BytesIO(b"x\n" * 512), budget=budget) as source:
        assert source.size == 1024
