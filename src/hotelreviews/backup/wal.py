"""WAL positions and segment file names.

An LSN ("0/2000028") is a byte position in the WAL; the WAL is cut into segments (16 MiB by
default) named TTTTTTTTXXXXXXXXYYYYYYYY: the timeline, then the segment number split in two
(its high part, and its low part modulo the number of segments per 4 GiB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024
SEGMENT_NAME = re.compile(r"^[0-9A-F]{24}$")


def parse_lsn(text: str) -> int:
    """'16/B374D848' → its byte position."""
    high, sep, low = text.strip().partition("/")
    if not sep:
        raise ValueError(f"{text!r} is not an LSN (expected e.g. 0/3000060)")
    try:
        return (int(high, 16) << 32) | int(low, 16)
    except ValueError:
        raise ValueError(f"{text!r} is not an LSN (expected e.g. 0/3000060)") from None


def format_lsn(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def segment_name(timeline: int, lsn: int, segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> str:
    """The WAL file holding `lsn` on `timeline` (what pg_walfile_name says on that timeline)."""
    number = lsn // segment_bytes
    per_4gib = 0x1_0000_0000 // segment_bytes
    return f"{timeline:08X}{number // per_4gib:08X}{number % per_4gib:08X}"


@dataclass(frozen=True, order=True)
class Segment:
    """One archived WAL segment, ordered by position first, then timeline."""

    number: int
    timeline: int
    name: str

    @classmethod
    def parse(cls, name: str, segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> Segment:
        per_4gib = 0x1_0000_0000 // segment_bytes
        number = int(name[8:16], 16) * per_4gib + int(name[16:24], 16)
        return cls(number=number, timeline=int(name[:8], 16), name=name)

    def end_lsn(self, segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> int:
        return (self.number + 1) * segment_bytes
