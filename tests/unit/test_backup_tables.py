"""Comparing a restored server's table sums with those recorded at backup time."""

from __future__ import annotations

from hotelreviews.backup.tables import TableSum, compare

RECORDED = {"hotels": TableSum(rows=4, md5="aa"), "reviews": TableSum(rows=9, md5="bb")}


def test_identical_sums_report_nothing() -> None:
    assert compare(RECORDED, dict(RECORDED)) == []


def test_each_difference_is_one_sentence_naming_the_table() -> None:
    found = {
        "reviews": TableSum(rows=8, md5="bb"),
        "users": TableSum(rows=1, md5="cc"),
    }

    assert compare(RECORDED, found) == [
        "table hotels is missing (4 rows when backed up)",
        "table reviews has 8 rows, 9 when backed up",
        "table users exists but was not there when backed up",
    ]


def test_same_row_count_with_other_contents_is_caught_by_the_checksum() -> None:
    found = {**RECORDED, "reviews": TableSum(rows=9, md5="zz")}

    (problem,) = compare(RECORDED, found)

    assert problem.startswith("table reviews has the right number of rows (9)")
    assert "checksum zz, bb when backed up" in problem
