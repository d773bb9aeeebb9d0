"""Opening what `hotelreviews ingest` is given and streaming its lines."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import random
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotelreviews.ingestion.shapes.parsing import MAX_LINE_BYTES, parse_line
from hotelreviews.ingestion.shapes.records import NormalizedReview, Rejection, RejectReason
from hotelreviews.ingestion.sources import lines as line_splitter
from hotelreviews.ingestion.sources.errors import SourceError
from hotelreviews.ingestion.sources.local import LocalSource, spool_stream
from hotelreviews.ingestion.sources.local_files import OpenedFile
from hotelreviews.ingestion.sources.opening import expand_paths, iter_lines, open_source

DATA = Path(__file__).resolve().parents[1] / "data"
BOM = b"\xef\xbb\xbf"


def write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def lines_of(arg: str, **kwargs: int) -> list[tuple[int, bytes]]:
    with open_source(arg) as source:
        return list(iter_lines(source, **kwargs))


def noisy_text(size: int, seed: int = 7) -> bytes:
    """Poorly compressible JSON-ish lines, so gzip damage lands mid-stream."""
    rng = random.Random(seed)
    out = bytearray()
    number = 0
    while len(out) < size:
        number += 1
        out += b'{"n": %d, "x": "%s"}\n' % (number, rng.randbytes(60).hex().encode())
    return bytes(out)


# --- expand_paths -------------------------------------------------------------------------


def test_expand_paths_keeps_files_and_stdin_and_expands_directories_sorted(tmp_path):
    single = write(tmp_path / "single.txt", b"{}\n")
    feeds = tmp_path / "feeds"
    for name in ["b.jl", "a.jsonl.gz", "sub/c.jl.gz", "sub/d.jsonl", "notes.txt", "x.json"]:
        write(feeds / name, b"{}\n")
    result = expand_paths([single, "-", str(feeds)])
    assert result[:2] == [single, "-"]
    assert result[2:] == [
        str(feeds / "a.jsonl.gz"),
        str(feeds / "b.jl"),
        str(feeds / "sub" / "c.jl.gz"),
        str(feeds / "sub" / "d.jsonl"),
    ]


def test_expand_paths_refuses_a_missing_path_naming_it(tmp_path):
    missing = str(tmp_path / "nope.jl")
    with pytest.raises(SourceError, match="nope.jl: no such file or directory"):
        expand_paths([missing])


def test_expand_paths_refuses_a_directory_without_review_files(tmp_path):
    write(tmp_path / "empty" / "readme.md", b"hello")
    with pytest.raises(SourceError, match=r"empty: directory has no review files \(\*\.jl"):
        expand_paths([str(tmp_path / "empty")])


# --- open_source --------------------------------------------------------------------------


def test_open_source_reports_uri_size_checksum_and_plain_text(tmp_path):
    data = b'{"a": 1}\n{"b": 2}\n'
    path = write(tmp_path / "feed.jl", data)
    with open_source(path) as source:
        assert source.uri == (tmp_path / "feed.jl").resolve().as_uri()
        assert source.uri.startswith("file:///")
        assert source.display_name == path
        assert source.size == len(data)
        assert source.checksum == hashlib.sha256(data).hexdigest()
        assert source.compressed is False


def test_gzip_is_detected_by_magic_bytes_not_by_name(tmp_path):
    data = gzip.compress(b'{"a": 1}\n')
    hidden = write(tmp_path / "feed.jl", data)
    fake = write(tmp_path / "plain.jl.gz", b'{"a": 1}\n')
    with open_source(hidden) as source:
        assert source.compressed is True
        assert source.size == len(data)
        assert source.checksum == hashlib.sha256(data).hexdigest()  # of the bytes as stored
        assert list(iter_lines(source)) == [(1, b'{"a": 1}')]
    assert lines_of(fake) == [(1, b'{"a": 1}')]


def test_checksum_covers_files_larger_than_one_read(tmp_path):
    data = noisy_text(3 * line_splitter.CHUNK_BYTES + 123)
    path = write(tmp_path / "big.jl", data)
    with open_source(path) as source:
        assert (source.size, source.checksum) == (len(data), hashlib.sha256(data).hexdigest())


def test_open_source_refuses_missing_files_and_directories(tmp_path):
    with pytest.raises(SourceError, match="gone.jl: no such file or directory"):
        open_source(str(tmp_path / "gone.jl"))
    with pytest.raises(SourceError, match="is a directory, expected a file"):
        open_source(str(tmp_path))


def test_open_source_explains_permission_denied(tmp_path, monkeypatch):
    path = write(tmp_path / "locked.jl", b"{}\n")
    real_open = os.open

    def denied(name, *args, **kwargs):
        if os.fspath(name) == path:
            raise PermissionError(13, "Permission denied", path)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(SourceError, match="locked.jl: permission denied; check the file"):
        open_source(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_open_source_explains_a_real_unreadable_file(tmp_path):
    path = write(tmp_path / "locked.jl", b"{}\n")
    os.chmod(path, 0)
    with pytest.raises(SourceError, match="permission denied"):
        open_source(path)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 8


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("reviews.jl", noisy_text(20_000))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (PNG, "NUL bytes"),
        (_zip_bytes(), "NUL bytes"),
        (gzip.compress(PNG), "NUL bytes"),
        (bytes(random.Random(1).randrange(128, 256) for _ in range(9000)), "are not UTF-8"),
        ('{"a": "b"}\n'.encode("utf-16"), "UTF-16"),
    ],
    ids=["png", "zip", "gzipped-png", "random-high-bytes", "utf16"],
)
def test_binary_files_are_refused_as_not_text(tmp_path, data, why):
    path = write(tmp_path / "reviews.jl", data)
    with pytest.raises(SourceError, match="reviews.jl: not text") as caught:
        open_source(path)
    assert why in str(caught.value)


def test_a_few_stray_latin1_bytes_do_not_make_a_file_binary(tmp_path):
    data = b'{"id": "1", "x": "caf\xe9"}\n' + b'{"id": "2"}\n' * 50
    path = write(tmp_path / "latin.jl", data)
    lines = lines_of(path)
    assert len(lines) == 51
    assert parse_line(lines[0][1]).reason is RejectReason.INVALID_ENCODING


def test_an_empty_file_has_no_lines(tmp_path):
    assert lines_of(write(tmp_path / "empty.jl", b"")) == []


# --- stdin --------------------------------------------------------------------------------


def test_stdin_stream_is_spooled_checksummed_rereadable_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    data = gzip.compress(b'{"a": 1}\n{"b": 2}')
    with spool_stream(io.BytesIO(data)) as source:
        assert isinstance(source, LocalSource)
        assert (source.uri, source.display_name) == ("stdin", "<stdin>")
        assert (source.size, source.compressed) == (len(data), True)
        assert source.checksum == hashlib.sha256(data).hexdigest()
        expected = [(1, b'{"a": 1}'), (2, b'{"b": 2}')]
        assert list(iter_lines(source)) == expected
        assert list(iter_lines(source)) == expected  # readable twice: the spool is a real file
        assert list(tmp_path.iterdir()) == []  # an unnamed file: nothing to clean up


def test_dash_reads_standard_input(monkeypatch):
    class FakeStdin:
        buffer = io.BytesIO(b'{"a": 1}\n')

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    with open_source("-") as source:
        assert source.uri == "stdin"
        assert list(iter_lines(source)) == [(1, b'{"a": 1}')]


def test_binary_stdin_is_refused_and_leaves_no_spool_behind(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(SourceError, match="<stdin>: not text"):
        spool_stream(io.BytesIO(PNG))
    assert list(tmp_path.iterdir()) == []


# --- iter_lines ---------------------------------------------------------------------------


def test_sample_broken_file_streams_twelve_numbered_lines_with_the_blank_one(tmp_path):
    lines = lines_of(str(DATA / "broken_lines.jl"))
    assert [number for number, _ in lines] == list(range(1, 13))
    assert lines[6] == (7, b"")
    results = [parse_line(raw) for _, raw in lines]
    assert sum(isinstance(r, NormalizedReview) for r in results) == 1
    assert sum(isinstance(r, Rejection) for r in results) == 10


@pytest.mark.parametrize(
    "name", ["agoda_com_2025-03-16.jl", "group_feed_2024-11-06.jsonl", "broken_lines.jl"]
)
def test_gzip_and_plain_copies_give_the_same_lines(tmp_path, name):
    data = (DATA / name).read_bytes()
    plain = write(tmp_path / name, data)
    packed = write(tmp_path / (name + ".gz"), gzip.compress(data))
    assert lines_of(plain) == lines_of(packed)
    assert len(lines_of(plain)) == data.count(b"\n")


def test_bom_crlf_and_a_last_line_without_newline_are_handled(tmp_path):
    data = BOM + b'{"a": 1}\r\n\r\n{"b": "\xef\xbb\xbf"}\r\n{"c": 3}'
    path = write(tmp_path / "windows.jl", data)
    assert lines_of(path) == [
        (1, b'{"a": 1}'),
        (2, b""),
        (3, b'{"b": "\xef\xbb\xbf"}'),  # only the file's leading BOM is a BOM
        (4, b'{"c": 3}'),
    ]


def test_resume_skips_lines_up_to_the_given_one_but_keeps_numbering(tmp_path):
    path = write(tmp_path / "feed.jl.gz", gzip.compress(b"a\nb\nc\nd\n"))
    assert lines_of(path, start_after_line=2) == [(3, b"c"), (4, b"d")]
    assert lines_of(path, start_after_line=4) == []
    assert lines_of(path, start_after_line=0) == lines_of(path)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_an_over_long_line_is_cut_for_the_parser_and_the_next_line_survives(tmp_path, compress):
    long_line = b'{"id": "' + b"x" * (3 * MAX_LINE_BYTES) + b'"}'
    data = b'{"first": 1}\n' + long_line + b'\n{"after": 1}\n' + long_line
    path = write(tmp_path / "long.jl", gzip.compress(data) if compress else data)
    lines = lines_of(path)
    assert [number for number, _ in lines] == [1, 2, 3, 4]
    assert lines[1][1] == long_line[: MAX_LINE_BYTES + 1]
    assert lines[2][1] == b'{"after": 1}'
    assert lines[3][1] == long_line[: MAX_LINE_BYTES + 1]
    assert parse_line(lines[1][1]).reason is RejectReason.LINE_TOO_LONG


def reference_lines(data: bytes, limit: int) -> list[tuple[int, bytes]]:
    """What iter_lines must yield, computed the simple in-memory way."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    pieces = data.split(b"\n")
    if pieces[-1] == b"":
        pieces.pop()
    return [
        (number, piece[: limit + 1] if len(piece) > limit else piece.removesuffix(b"\r"))
        for number, piece in enumerate(pieces, start=1)
    ]


@settings(max_examples=150, deadline=None)
@given(
    data=st.lists(
        st.sampled_from([b"a", b"bc", b"\n", b"\r", b"\r\n", b"0123456789", BOM]), max_size=30
    ).map(b"".join),
    chunk=st.integers(1, 12),
    limit=st.integers(1, 15),
    start_after=st.integers(0, 3),
    compressed=st.booleans(),
)
def test_chunked_splitting_matches_a_simple_split_for_any_chunk_size(
    tmp_path_factory, data, chunk, limit, start_after, compressed
):
    stored = gzip.compress(data) if compressed else data
    path = write(tmp_path_factory.mktemp("split") / "feed.jl", stored)
    expected = [line for line in reference_lines(data, limit) if line[0] > start_after]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(line_splitter, "CHUNK_BYTES", chunk)
        patch.setattr(line_splitter, "MAX_LINE_BYTES", limit)
        file = OpenedFile(open(path, "rb"), len(stored))  # noqa: SIM115 - closed by the source
        with LocalSource(
            file=file, uri="t", display_name="feed.jl", size=0, checksum="", compressed=compressed
        ) as source:
            assert list(iter_lines(source, start_after_line=start_after)) == expected


# --- damaged gzip -------------------------------------------------------------------------


def test_gzip_with_a_bad_crc_is_refused_naming_the_file_and_the_byte(tmp_path):
    packed = bytearray(gzip.compress(noisy_text(100_000)))
    packed[-8] ^= 0x01  # the CRC32 in the trailer
    path = write(tmp_path / "reviews.jl.gz", bytes(packed))
    with pytest.raises(SourceError) as caught:
        lines_of(path)
    message = str(caught.value)
    assert message == (
        f"{path}: not a valid gzip file (CRC check failed at byte {len(packed)}); re-download it"
    )


def test_small_gzip_with_a_bad_crc_is_refused_when_opened(tmp_path):
    packed = bytearray(gzip.compress(b'{"a": 1}\n' * 100))
    packed[-8] ^= 0x01
    path = write(tmp_path / "small.jl.gz", bytes(packed))
    with pytest.raises(SourceError, match=r"small\.jl\.gz: not a valid gzip file \(CRC check"):
        open_source(path)


def test_truncated_gzip_fails_mid_stream_after_the_good_lines(tmp_path):
    data = noisy_text(3 * line_splitter.CHUNK_BYTES)
    packed = gzip.compress(data)
    path = write(tmp_path / "cut.jl.gz", packed[: len(packed) * 2 // 3])
    seen = []
    with open_source(path) as source, pytest.raises(SourceError) as caught:
        for number, raw in iter_lines(source):
            seen.append((number, raw))
    assert "cut.jl.gz: gzip file is truncated" in str(caught.value)
    assert "re-download it" in str(caught.value)
    assert len(seen) > 1000
    assert [raw for _, raw in seen] == data.split(b"\n")[: len(seen)]


def test_corrupt_gzip_data_is_refused_naming_the_file(tmp_path):
    packed = bytearray(gzip.compress(noisy_text(200_000)))
    for index in range(len(packed) // 2, len(packed) // 2 + 64):
        packed[index] ^= 0xA5
    path = write(tmp_path / "bad.jl.gz", bytes(packed))
    with pytest.raises(SourceError, match=r"bad\.jl\.gz: not a valid gzip file \(.* at byte \d+\)"):
        lines_of(path)


def test_gzip_with_trailing_junk_is_refused(tmp_path):
    path = write(tmp_path / "junk.jl.gz", gzip.compress(b"{}\n") + b"junk after the end")
    with pytest.raises(SourceError, match="unexpected bytes after the compressed data"):
        lines_of(path)


def test_file_with_gzip_magic_but_garbage_is_refused_when_opened(tmp_path):
    path = write(tmp_path / "fake.jl.gz", b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(SourceError, match="fake.jl.gz: not a valid gzip file"):
        open_source(path)


def test_concatenated_gzip_members_read_as_one_stream(tmp_path):
    path = write(tmp_path / "multi.jl.gz", gzip.compress(b"a\nb") + gzip.compress(b"c\n"))
    assert lines_of(path) == [(1, b"a"), (2, b"bc")]
