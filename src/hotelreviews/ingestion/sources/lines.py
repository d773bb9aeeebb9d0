"""Splitting a byte stream into lines, the same for every kind of source: constant memory,
big reads, a UTF-8 byte-order mark dropped, CRLF taken as LF, and over-long lines cut (just
past the parser's limit, so that it rejects them) rather than buffered."""

from __future__ import annotations

from collections.abc import Iterator

from hotelreviews.ingestion.shapes.parsing import MAX_LINE_BYTES
from hotelreviews.ingestion.sources.streams import Readable

CHUNK_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


def split_lines(stream: Readable, start_after_line: int) -> Iterator[tuple[int, bytes]]:
    """Split a byte stream on "\\n", reading big chunks; over-long lines are cut, not buffered."""
    line_number = 0
    pending = b""  # the unfinished line carried over from the previous chunk
    overflowing = False  # inside a line already yielded cut short: drop until its end
    chunk = _without_bom(stream)
    while chunk:
        pieces = chunk.split(b"\n")
        tail = pieces.pop()  # after the last "\n" (or the whole chunk): not a full line yet
        for piece in pieces:
            if overflowing:
                overflowing = False  # this piece ends the over-long line
                continue
            # Never join more than the parser needs: an over-long line is cut anyway.
            line = pending + piece[: MAX_LINE_BYTES + 1 - len(pending)] if pending else piece
            pending = b""
            line_number += 1
            if line_number > start_after_line:
                yield line_number, _finish(line)
        if overflowing:
            pass
        elif len(pending) + len(tail) > MAX_LINE_BYTES:
            line_number += 1
            if line_number > start_after_line:
                yield line_number, pending + tail[: MAX_LINE_BYTES + 1 - len(pending)]
            pending = b""
            overflowing = True
        else:
            pending += tail
        chunk = stream.read(CHUNK_BYTES)
    if pending and not overflowing:
        line_number += 1
        if line_number > start_after_line:
            yield line_number, _finish(pending)


def _without_bom(stream: Readable) -> bytes:
    """The first chunk of `stream`, without a UTF-8 byte-order mark."""
    chunk = stream.read(CHUNK_BYTES)
    # A tiny first read could hold only part of the mark.
    while chunk and len(chunk) < len(_BOM) and _BOM.startswith(chunk):
        more = stream.read(CHUNK_BYTES)
        if not more:
            break
        chunk += more
    if chunk.startswith(_BOM):
        return chunk[len(_BOM) :] or stream.read(CHUNK_BYTES)
    return chunk


def _finish(line: bytes) -> bytes:
    """Strip a CR before the LF; cut an over-long line so the parser reports it."""
    if len(line) > MAX_LINE_BYTES:
        return line[: MAX_LINE_BYTES + 1]
    return line[:-1] if line.endswith(b"\r") else line
