"""Streaming gunzip and byte counting: what remote sources read their objects through."""

from __future__ import annotations

import gzip
import io
import random
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotelreviews.ingestion.sources.streams import CountingReader, GunzipReader


class Trickle:
    """A raw stream that hands out at most `step` bytes per read, like a slow socket."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = io.BytesIO(data)
        self._step = step

    def read(self, size: int = -1, /) -> bytes:
        return self._data.read(min(self._step, size) if size >= 0 else self._step)


def read_all(reader: GunzipReader, size: int) -> bytes:
    out = bytearray()
    while piece := reader.read(size):
        assert len(piece) <= size
        out += piece
    return bytes(out)


@settings(max_examples=60, deadline=None)
@given(
    members=st.lists(st.binary(max_size=3000), min_size=1, max_size=4),
    step=st.integers(min_value=1, max_value=5000),
    size=st.integers(min_value=1, max_value=5000),
)
def test_gunzip_gives_the_bytes_of_every_member_whatever_the_read_sizes(members, step, size):
    stored = b"".join(gzip.compress(member) for member in members)

    assert read_all(GunzipReader(Trickle(stored, step)), size) == b"".join(members)


def test_gunzip_output_is_bounded_by_the_read_size_for_highly_compressible_data():
    stored = gzip.compress(bytes(20 * 1024 * 1024))  # 20 MiB of zeros: ~20 KB compressed
    reader = GunzipReader(io.BytesIO(stored), chunk_bytes=1024 * 1024)

    sizes = []
    while piece := reader.read(64 * 1024):
        sizes.append(len(piece))

    assert max(sizes) <= 64 * 1024
    assert sum(sizes) == 20 * 1024 * 1024


def test_gunzip_accepts_zero_padding_after_the_last_member():
    stored = gzip.compress(b"one\n") + bytes(100) + gzip.compress(b"two\n") + bytes(7)

    assert read_all(GunzipReader(Trickle(stored, 3)), 1024) == b"one\ntwo\n"


def test_gunzip_reports_a_truncated_stream_like_the_gzip_module():
    stored = gzip.compress(random.Random(1).randbytes(50_000))[:-100]

    with pytest.raises(EOFError):
        read_all(GunzipReader(io.BytesIO(stored)), 4096)
    with pytest.raises(EOFError):
        gzip.decompress(stored)


def test_gunzip_refuses_bytes_after_the_data_that_are_not_another_member():
    stored = gzip.compress(b'{"a": 1}\n') + b"trailing junk"

    with pytest.raises(gzip.BadGzipFile, match="Not a gzipped file"):
        read_all(GunzipReader(io.BytesIO(stored)), 4096)


def test_gunzip_refuses_a_single_stray_byte_after_the_data():
    with pytest.raises(gzip.BadGzipFile):
        read_all(GunzipReader(io.BytesIO(gzip.compress(b"x\n") + b"\x1f")), 4096)


def test_gunzip_checks_each_members_crc():
    stored = bytearray(gzip.compress(b'{"a": 1}\n' * 100))
    stored[-8] ^= 0xFF  # the CRC32 in the trailer

    with pytest.raises(zlib.error, match="incorrect data check"):
        read_all(GunzipReader(io.BytesIO(bytes(stored))), 4096)


def test_an_empty_stream_is_empty():
    assert GunzipReader(io.BytesIO(b"")).read(10) == b""


def test_counting_reader_counts_what_it_hands_out():
    reader = CountingReader(Trickle(b"x" * 1000, 300))

    assert len(reader.read(10_000)) == 300
    assert len(reader.read(50)) == 50
    assert reader.count == reader.tell() == 350
