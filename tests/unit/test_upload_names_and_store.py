"""An upload's name, media type and local store, without a server: what is refused and why,
what a name becomes on disk, and a store that is interrupted keeping nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.requests import ClientDisconnect

from hotelreviews.core.errors import InvalidUpload, UnsupportedUploadType, UploadTooLarge
from hotelreviews.ingestion.uploads.local_store import LocalUploads
from hotelreviews.ingestion.uploads.names import (
    NAME_PATTERN,
    checked_media_type,
    checked_name,
    stored_name,
)

ACCEPTED = ["agoda_com_2025-04-10.jl", "feed.JSONL", "x.jl.gz", "März feed.jsonl.gz", ".jl"]


@pytest.mark.parametrize("name", ACCEPTED)
def test_file_names_of_review_files_are_accepted(name: str) -> None:
    assert checked_name(name) == name


REFUSED = [
    ("", "1 to 200"),
    ("a" * 198 + ".jl", "1 to 200"),
    ("../feed.jl", "is a path"),
    ("/etc/feed.jl", "is a path"),
    ("dir\\feed.jl", "is a path"),
    ("feed\n.jl", "control characters"),
    ("feed.json", "must end with"),
    ("feed.jl.zip", "must end with"),
]


@pytest.mark.parametrize(("name", "reason"), REFUSED)
def test_other_names_are_refused_saying_why(name: str, reason: str) -> None:
    with pytest.raises(InvalidUpload, match=reason) as refused:
        checked_name(name)
    assert refused.value.field == "query.name"


def test_the_openapi_pattern_admits_the_names_the_check_admits_and_no_other() -> None:
    # The schema's pattern (for clients and schemathesis) is derived from the same suffixes;
    # the length bound is the schema's maxLength, not the pattern's.
    pattern = re.compile(NAME_PATTERN)
    assert all(pattern.match(name) for name in ACCEPTED)
    assert not any(pattern.match(name) for name, reason in REFUSED if reason != "1 to 200")


def test_a_stored_name_is_unique_safe_and_keeps_the_delivery_date() -> None:
    first = stored_name("Agoda feed (März) 2025-03-20.JL.GZ")
    second = stored_name("Agoda feed (März) 2025-03-20.JL.GZ")

    assert first != second
    assert re.fullmatch(r"[0-9a-f]{32}-Agoda_feed_M_rz_2025-03-20\.jl\.gz", first)
    # Only the name's own date looks like a date: the random prefix has no dashes in it.
    assert re.findall(r"\d{4}-\d{2}-\d{2}", first) == ["2025-03-20"]
    assert stored_name("....jl").endswith("-upload.jl")


@pytest.mark.parametrize(
    "value", ["application/x-ndjson", "application/jsonl; charset=utf-8", "Application/GZIP"]
)
def test_json_lines_media_types_are_accepted(value: str) -> None:
    assert checked_media_type(value) in (
        "application/x-ndjson",
        "application/jsonl",
        "application/gzip",
    )


@pytest.mark.parametrize("value", [None, "", "text/csv", "multipart/form-data; boundary=x"])
def test_other_media_types_are_refused(value: str | None) -> None:
    with pytest.raises(UnsupportedUploadType, match="application/x-ndjson"):
        checked_media_type(value)


async def _body(*chunks: bytes, then: BaseException | None = None) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk
    if then is not None:
        raise then


def _files(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


async def test_a_whole_body_is_stored_under_its_final_name_only(tmp_path: Path) -> None:
    store = LocalUploads(tmp_path / ".uploads")
    stored = await store.store(_body(b'{"id": 1}\n', b'{"id": 2}\n'), name="a.jl", max_bytes=1024)

    [path] = _files(tmp_path)
    assert path.read_bytes() == b'{"id": 1}\n{"id": 2}\n'
    assert stored.uri == path.as_uri() and stored.size == 20
    await store.discard(stored.uri)
    assert _files(tmp_path) == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (_body(b"x" * 600, then=ClientDisconnect()), ClientDisconnect),
        (_body(b"x" * 600, b"x" * 600), UploadTooLarge),
        (_body(), InvalidUpload),
    ],
    ids=["client-left", "over-the-cap", "empty"],
)
async def test_a_body_that_does_not_arrive_whole_leaves_no_file(
    tmp_path: Path, body: AsyncIterator[bytes], error: type[BaseException]
) -> None:
    store = LocalUploads(tmp_path / ".uploads")
    with pytest.raises(error):
        await store.store(body, name="a.jl", max_bytes=1024)
    assert _files(tmp_path) == []
