"""Turn one raw provider line into a NormalizedReview, a Rejection, or None for a blank line."""

from __future__ import annotations

import re

import msgspec
import orjson

from hotelreviews.ingestion.shapes.fields import shorten
from hotelreviews.ingestion.shapes.records import NormalizedReview, Rejection, RejectReason
from hotelreviews.ingestion.shapes.registry import EXPECTED, shape_of_line, shape_of_object

MAX_LINE_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"
# A JSON string, or a bare non-finite token; strings are matched first so that "NaN" inside
# a text is skipped.
_NON_FINITE_RE = re.compile(r'"(?:[^"\\]|\\.)*"|(-?(?:NaN|Infinity))')
_KEY_BEFORE_RE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*$')
_TOP_LEVEL_KINDS = {
    list: "a JSON array",
    str: "a JSON string",
    int: "a JSON number",
    float: "a JSON number",
    bool: "JSON true/false",
    type(None): "JSON null",
}
_NOT_SURE = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


def parse_line(raw: bytes) -> NormalizedReview | Rejection | None:
    """Parse one line (without its terminator); None means blank, to be skipped silently."""
    if len(raw) > MAX_LINE_BYTES:
        return Rejection(
            RejectReason.LINE_TOO_LONG,
            f"line is longer than the limit of {MAX_LINE_BYTES} bytes (1 MiB);"
            " a line break is probably missing between records",
        )
    if raw.startswith(_BOM):
        raw = raw[3:]
    if not raw or raw.isspace():
        return None
    review = parse_fast(raw)
    return review if review is not None else parse_precise(raw)


def parse_fast(raw: bytes) -> NormalizedReview | None:
    """The review of a typical valid line, fast; None when not sure (see parse_precise).

    The line is decoded by msgspec into its shape's strict wire type (see wire), which only
    takes what orjson takes too and decodes it to the same values; the review is then built by
    the same converters the precise path uses. `raw` is non-blank, without its BOM.
    """
    shape = shape_of_line(raw)
    if shape is None:
        return None
    try:
        return shape.parse_wire(shape.decode(raw))
    except _NOT_SURE:  # not one of the typical shapes, or not valid JSON at all
        return None


def parse_precise(raw: bytes) -> NormalizedReview | Rejection:
    """Parse a non-blank line (BOM removed) the slow way, able to say what is wrong with it.

    parse_line uses it for the lines the fast path is not sure about; for any line the fast
    path takes, it gives the same review.
    """
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return _decode_failure(raw, error)
    if type(obj) is not dict:
        kind = _TOP_LEVEL_KINDS.get(type(obj), "not a JSON object")
        return Rejection(RejectReason.NOT_AN_OBJECT, f"line is {kind}, expected an object")
    shape = shape_of_object(obj)
    if shape is not None:
        return shape.parse_object(obj)
    keys = ", ".join(f'"{shorten(key, 30)}"' for key in list(obj)[:8])
    found = f"the line has keys {keys}" if keys else "the line is an empty object"
    return Rejection(
        RejectReason.UNKNOWN_SHAPE, f"unknown record shape: expected {EXPECTED}; {found}"
    )


def _decode_failure(raw: bytes, error: orjson.JSONDecodeError) -> Rejection:
    """Explain why orjson refused a line, in words a feed owner can act on."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return Rejection(
            RejectReason.INVALID_ENCODING,
            f"line is not valid UTF-8: byte 0x{raw[bad.start]:02x} at byte offset {bad.start}"
            f" ({bad.reason}); re-export the file as UTF-8",
        )
    position = error.pos  # orjson counts characters, not bytes
    column = position + 1
    message = error.msg
    non_finite = _non_finite_token(text, position)
    if non_finite is not None:
        return non_finite
    if "infinity when parsed" in message:
        field = _field_before(text, position)  # orjson points at the number's first character
        return Rejection(
            RejectReason.NON_FINITE_NUMBER,
            f"line contains a non-finite number: {field}a number too large to represent"
            f" (overflows to infinity) at column {column}",
        )
    if "surrogate" in message:
        return Rejection(
            RejectReason.INVALID_ENCODING,
            f"line has an unpaired UTF-16 surrogate escape (such as \\ud800) near column {column}",
        )
    if message.startswith("unexpected end of data"):
        detail = f"unexpected end at column {column} (truncated line?)"
    elif message.startswith("Input is a zero-length"):
        detail = "the line is empty"
    elif message.startswith("unexpected content after document"):
        detail = f"unexpected text after the JSON value at column {column}: {_near(text, position)}"
    else:
        detail = f"{message} at column {column}: {_near(text, position)}"
    return Rejection(RejectReason.INVALID_JSON, f"line is not valid JSON: {detail}")


def _non_finite_token(text: str, position: int) -> Rejection | None:
    """A NON_FINITE_NUMBER rejection when orjson stopped at a bare NaN/Infinity token."""
    for match in _NON_FINITE_RE.finditer(text, 0, position + len("Infinity") + 1):
        token = match.group(1)
        # orjson stops at the token ("NaN") or just after its sign ("-Infinity").
        if token is not None and match.start() <= position <= match.start() + 1:
            field = _field_before(text, match.start())
            where = f"{field}{token}" if field else f"{token} at column {match.start() + 1}"
            return Rejection(
                RejectReason.NON_FINITE_NUMBER,
                f"line contains a non-finite number: {where}"
                " (JSON allows only finite numbers; write null or leave the field out)",
            )
    return None


def _field_before(text: str, start: int) -> str:
    """'"rating": ' when the value at `start` belongs to that key, else ''."""
    found = _KEY_BEFORE_RE.search(text[max(0, start - 200) : start])
    return f'"{shorten(found.group(1), 40)}": ' if found else ""


def _near(text: str, position: int) -> str:
    """A short quote of the text around `position`."""
    excerpt = text[max(0, position - 10) : position + 20]
    return f"near '{excerpt}'" if excerpt else "at the end of the line"
