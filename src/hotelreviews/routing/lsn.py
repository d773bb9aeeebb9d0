"""WAL positions (PostgreSQL LSNs) as consistency tokens: parse, format, compare as integers.

PostgreSQL writes an LSN as two hexadecimal halves, `16/B374D848` (high and low 32 bits). A
token is that text; inside the process it is the 64-bit integer, so comparing is `>=`.
"""

from __future__ import annotations

import re

_LSN = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")


class InvalidLsn(ValueError):
    """Text that is not a PostgreSQL WAL position."""


def parse_lsn(text: str) -> int:
    """`16/B374D848` → its 64-bit position; InvalidLsn for anything else."""
    match = _LSN.fullmatch(text)
    if match is None:
        raise InvalidLsn(f"{text[:40]!r} is not a WAL position such as 0/16B3748")
    return int(match[1], 16) << 32 | int(match[2], 16)


def format_lsn(position: int) -> str:
    """The 64-bit position as PostgreSQL writes it (`%X/%X`)."""
    if not 0 <= position < 1 << 64:
        raise ValueError(f"{position} is not a 64-bit WAL position")
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"
