"""Tell a text file from a binary one by its first bytes, and explain gzip failures."""

from __future__ import annotations

import zlib

SNIFF_BYTES = 8 * 1024
GZIP_MAGIC = b"\x1f\x8b"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Share of the sniffed bytes that may be invalid UTF-8 before a file is called "not text".
# A few stray Latin-1 bytes are rejected line by line instead, which keeps the rest.
_MAX_INVALID_SHARE = 0.1


def content_problem(head: bytes, *, compressed: bool) -> str | None:
    """Why a file starting with `head` is not UTF-8 JSON Lines (None when it may well be)."""
    if compressed:
        try:
            head = zlib.decompressobj(wbits=31).decompress(head, SNIFF_BYTES)
        except zlib.error as error:
            return f"not a valid gzip file ({gzip_cause(error)} near the start); re-download it"
    if head.startswith(_UTF16_BOMS):
        return (
            "not text we can read: the file is UTF-16 encoded;"
            " convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)"
        )
    if b"\x00" in head:
        return (
            f"not text: the first {SNIFF_BYTES // 1024} KiB contain NUL bytes"
            " (an image, archive or other binary file?); expected UTF-8 JSON Lines"
        )
    # The cut at 8 KiB may split a character, so the last few characters do not count.
    decoded = head.decode("utf-8", errors="replace")
    invalid = decoded[: len(decoded) - 3].count("\ufffd")
    if head and invalid > _MAX_INVALID_SHARE * len(head):
        return (
            f"not text: the first {SNIFF_BYTES // 1024} KiB are not UTF-8"
            f" ({invalid} undecodable bytes); expected UTF-8 JSON Lines"
        )
    return None


def gzip_cause(error: Exception) -> str:
    """Python's gzip/zlib wording, shortened to what a person needs."""
    text = str(error)
    if text.startswith("CRC check failed") or text.endswith("incorrect data check"):
        return "CRC check failed"
    if text.startswith("Incorrect length"):
        return "length check failed"
    if text.startswith("Not a gzipped file"):
        return "unexpected bytes after the compressed data"
    if "while decompressing data: " in text:
        return "corrupt compressed data: " + text.split("while decompressing data: ", 1)[1]
    return text
