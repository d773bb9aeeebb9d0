"""Every registered line shape: its fast path (msgspec) and precise path (orjson) agree on every
generated line, valid or broken, and the registry is the one place that defines the shapes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from hotelreviews.ingestion.shapes import flat, nested
from hotelreviews.ingestion.shapes.parsing import parse_fast, parse_line, parse_precise
from hotelreviews.ingestion.shapes.records import NormalizedReview, Rejection, RejectReason
from hotelreviews.ingestion.shapes.registry import SHAPES, shape_of_line, shape_of_object
from hotelreviews.ingestion.shapes.wire import Wire
from tests.unit.test_parsing_fast_path import ODD_VALUES, dumps, set_path
from tests.unit.test_parsing_properties import (
    ABSENT,
    BAD_DATES,
    FLAT_REQUIRED,
    NESTED_REQUIRED,
    SETTINGS,
    WRONG_VALUES,
    flat_lines,
    nested_lines,
)
from tests.unit.test_parsing_properties import set_path as set_or_drop

DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class Generated:
    """How the tests generate lines of one shape, and where its required values sit."""

    lines: Any  # a strategy of (raw line, expected review)
    required: list[str]  # dotted paths
    rating: str
    scale: float
    date: str


GENERATED = {
    "nested": Generated(
        nested_lines(), NESTED_REQUIRED, rating="comment.rating", scale=10.0,
        date="comment.reviewDate",
    ),
    "flat": Generated(flat_lines(), FLAT_REQUIRED, rating="rating", scale=5.0, date="review_date"),
}  # fmt: skip
BREAKAGES = ["none", "missing", "null", "wrong_type", "out_of_range", "bad_date", "odd_value",
             "not_json"]  # fmt: skip


@st.composite
def lines(draw: st.DrawFn) -> tuple[str, bytes]:
    """(what was broken, a line of any registered shape, valid or broken that way)."""
    shape = draw(st.sampled_from(SHAPES))
    generated = GENERATED[shape.name]
    raw, _ = draw(generated.lines)
    breakage = draw(st.sampled_from(BREAKAGES))
    obj = orjson.loads(raw)
    if breakage == "none":
        return breakage, raw
    if breakage in ("missing", "null"):
        value = ABSENT if breakage == "missing" else None
        set_or_drop(obj, draw(st.sampled_from(generated.required)), value)
    elif breakage == "wrong_type":
        set_path(obj, draw(st.sampled_from(generated.required)), draw(WRONG_VALUES))
    elif breakage == "out_of_range":
        low = st.floats(max_value=1.0, exclude_max=True, allow_nan=False, allow_infinity=False)
        high = st.floats(
            min_value=generated.scale, exclude_min=True, allow_nan=False, allow_infinity=False
        )
        set_path(obj, generated.rating, draw(low | high))
    elif breakage == "bad_date":
        set_path(obj, generated.date, draw(BAD_DATES))
    elif breakage == "odd_value":  # anything anywhere a required field sits, even huge numbers
        set_path(obj, draw(st.sampled_from(generated.required)), draw(ODD_VALUES))
        return breakage, dumps(obj)
    else:  # not JSON: cut short, or junk spliced in
        raw = orjson.dumps(obj)
        at = draw(st.integers(1, len(raw) - 1))
        junk = draw(st.sampled_from([b"", b"}", b",", b'"', b"NaN", b"\xff", b"\\u"]))
        return breakage, raw[:at] + junk
    return breakage, orjson.dumps(obj)


def test_every_registered_shape_has_generated_lines():
    assert set(GENERATED) == {shape.name for shape in SHAPES}


@settings(SETTINGS, max_examples=300)
@given(lines())
def test_the_fast_and_precise_paths_agree_on_every_generated_line(case):
    breakage, raw = case
    precise = parse_precise(raw)
    fast = parse_fast(raw)
    if breakage == "none":  # a typical valid line takes the fast path
        assert isinstance(precise, NormalizedReview), precise
        assert fast is not None
    if isinstance(precise, Rejection):
        assert fast is None, f"the fast path took a line the precise path rejects: {precise}"
    elif fast is not None:
        assert fast == precise
        assert fast.content_hash == precise.content_hash
    assert parse_line(raw) == precise


def test_every_shape_is_fully_registered():
    assert len({shape.name for shape in SHAPES}) == len(SHAPES)
    for shape in SHAPES:
        assert shape.keys, shape.name  # how the precise path recognises it
        assert shape.start == b'{"' + shape.keys[0].encode() + b'"'  # and the fast path
        assert issubclass(shape.wire_type, Wire)
        assert shape.wire_type.__struct_config__.forbid_unknown_fields
        assert callable(shape.parse_wire) and callable(shape.parse_object)
        assert shape.decode is not None and shape.marks


def test_the_key_lists_both_paths_read_are_fields_of_the_wire_types():
    def fields(wire_type: type[msgspec.Struct]) -> set[str]:
        return set(wire_type.__struct_fields__)

    flat_fields = fields(flat.FlatLine)
    assert set(flat.TEXT_KEYS) | set(flat.OTHER_KEYS) | set(flat.HOTEL_KEYS) <= flat_fields
    assert {field_name for field_name, _ in flat.ASPECT_FIELDS} <= flat_fields
    assert set(nested.HOTEL_KEYS) <= fields(nested.NestedLine)
    assert set(nested.COMMENT_TEXTS) <= fields(nested.NestedComment)
    assert set(nested.REVIEWER_TEXTS) <= fields(nested.NestedReviewer)


def sample_lines() -> list[bytes]:
    found = []
    for path in sorted(DATA.glob("*.json*")) + sorted(DATA.glob("*.jl")):
        found.extend(line for line in path.read_bytes().split(b"\n") if line.strip())
    return found


def test_sample_lines_parse_through_their_registered_shape():
    seen = set()
    for raw in sample_lines():
        result = parse_line(raw)
        if not isinstance(result, NormalizedReview):
            continue
        shape = shape_of_object(orjson.loads(raw.removeprefix(b"\xef\xbb\xbf")))
        assert shape is not None
        seen.add(shape.name)
        assert shape.parse_object(orjson.loads(raw.removeprefix(b"\xef\xbb\xbf"))) == result
        if shape_of_line(raw) is shape:
            fast = shape.parse_wire(shape.decode(raw))
            assert fast is None or fast == result
    assert seen == {shape.name for shape in SHAPES}


def test_a_line_of_no_registered_shape_names_every_shape():
    obj = {"review": "Nice", "stars": 4}
    assert shape_of_object(obj) is None
    assert shape_of_line(orjson.dumps(obj)) is None
    rejection = parse_line(orjson.dumps(obj))
    assert isinstance(rejection, Rejection)
    assert rejection.reason is RejectReason.UNKNOWN_SHAPE
    for shape in SHAPES:
        assert shape.described in rejection.message
