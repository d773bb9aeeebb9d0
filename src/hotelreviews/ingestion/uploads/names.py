"""What an upload may be called and sent as, and the name it is stored under.

The name a client gives is never used as a path: it is checked (a file name, not a path;
a review file's suffix), then reduced to letters, digits, dots, hyphens and underscores and
put after a random prefix. It still matters: the worker finds a feed's delivery date in its
name (agoda_com_2025-04-10.jl), and a person finds the upload by it.
"""

from __future__ import annotations

import re
import uuid

from hotelreviews.core.errors import InvalidUpload, UnsupportedUploadType
from hotelreviews.ingestion.sources.source import REVIEW_SUFFIXES

NAME_FIELD = "query.name"
MAX_NAME_LENGTH = 200
# What the body may be sent as: JSON Lines under its two common names, or gzip of it (the
# worker tells gzip by its first bytes, whatever the name says).
MEDIA_TYPES = ("application/x-ndjson", "application/jsonl", "application/gzip")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SUFFIXES = ", ".join(REVIEW_SUFFIXES)


def _any_case(text: str) -> str:
    # JSON Schema patterns have no case-insensitive flag: [jJ][lL] for "jl".
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in text)


# What checked_name accepts, as the OpenAPI schema's pattern (it gives no reason; the route's
# check does): no folder separator or control character, a review file's suffix in any case.
NAME_PATTERN = (
    r"^[^/\\\x00-\x1f\x7f]*("
    + "|".join(_any_case(suffix) for suffix in sorted(REVIEW_SUFFIXES, key=len, reverse=True))
    + ")$"
)


def checked_name(name: str) -> str:
    """The given file name if it may name an upload; InvalidUpload says why not."""
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidUpload(NAME_FIELD, f"the file name must be 1 to {MAX_NAME_LENGTH} characters")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise InvalidUpload(
            NAME_FIELD, f"{name!r} is a path: give the file's name only, without folders"
        )
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in name):
        raise InvalidUpload(NAME_FIELD, "the file name must not contain control characters")
    if not name.lower().endswith(REVIEW_SUFFIXES):
        raise InvalidUpload(
            NAME_FIELD, f"{name!r} is not a review file: the name must end with {_SUFFIXES}"
        )
    return name


def stored_name(name: str) -> str:
    """A unique, safe file name for a checked name: <32 hex digits>-<name's safe characters>.

    The suffix is kept in lower case (the worker lists review files by it); the random
    prefix has no hyphen-separated digits the worker could take for a delivery date.
    """
    stem, suffix = _split_suffix(name)
    safe = _UNSAFE.sub("_", stem).strip("._") or "upload"
    return f"{uuid.uuid4().hex}-{safe}{suffix}"


def checked_media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header, if an upload may be sent as it."""
    media_type = (content_type or "").partition(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        sent = f"Content-Type {media_type}" if media_type else "no Content-Type"
        raise UnsupportedUploadType(
            f"an upload is sent as {', '.join(MEDIA_TYPES)}; this one has {sent}"
        )
    return media_type


def _split_suffix(name: str) -> tuple[str, str]:
    lower = name.lower()
    for suffix in sorted(REVIEW_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return name[: -len(suffix)], suffix
    raise AssertionError(f"{name!r} was not checked")
