"""WAL positions and segment names, as PostgreSQL spells them."""

from __future__ import annotations

import pytest

from hotelreviews.backup.wal import Segment, format_lsn, parse_lsn, segment_name


@pytest.mark.parametrize("text", ["0/0", "0/2000028", "16/B374D848", "FFFFFFFF/FFFFFFFF"])
def test_an_lsn_reads_back_as_written(text: str) -> None:
    assert format_lsn(parse_lsn(text)) == text


@pytest.mark.parametrize("text", ["", "2000028", "0/xyz", "g/1"])
def test_what_is_not_an_lsn_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="expected e.g. 0/3000060"):
        parse_lsn(text)


@pytest.mark.parametrize(
    ("timeline", "lsn", "segment_bytes", "name"),
    [
        (1, "0/2000028", 16 << 20, "000000010000000000000002"),
        (1, "0/FFFFFFFF", 16 << 20, "0000000100000000000000FF"),
        (1, "1/0", 16 << 20, "000000010000000100000000"),
        (2, "16/B374D848", 16 << 20, "0000000200000016000000B3"),
        (3, "0/5000000", 64 << 20, "000000030000000000000001"),
    ],
)
def test_segment_names_match_pg_walfile_name(
    timeline: int, lsn: str, segment_bytes: int, name: str
) -> None:
    assert segment_name(timeline, parse_lsn(lsn), segment_bytes) == name


def test_segments_sort_by_position_then_timeline() -> None:
    names = [
        "000000020000000000000005",
        "000000010000000000000006",
        "000000010000000000000005",
        "000000010000000100000000",
    ]

    ordered = [segment.name for segment in sorted(Segment.parse(name) for name in names)]

    assert ordered == [
        "000000010000000000000005",
        "000000020000000000000005",
        "000000010000000000000006",
        "000000010000000100000000",
    ]


def test_a_segment_ends_where_the_next_begins() -> None:
    segment = Segment.parse("0000000100000001000000FF")

    assert format_lsn(segment.end_lsn()) == "2/0"
    assert segment_name(1, segment.end_lsn() - 1) == segment.name
