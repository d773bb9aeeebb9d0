"""S3 objects (moto's server, real HTTP) and http(s) URLs as sources: what is opened, read and
refused, and how. The ingestion into databases is in test_ingest_remote.py."""

from __future__ import annotations

import gzip
import hashlib
import random
from pathlib import Path

import pytest

from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.sources import s3
from hotelreviews.ingestion.sources.errors import SourceError, SourceUnavailable
from hotelreviews.ingestion.sources.opening import expand_paths, iter_lines, open_source
from tests.support.http_server import (  # noqa: F401
    LOOPBACK_POLICY,
    FileServer,
    file_server_fixture,
)
from tests.support.s3_server import S3Server, bucket_fixture, s3_server_fixture  # noqa: F401


@pytest.fixture
def remote_settings(s3_server: S3Server, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path,
        s3_endpoint_url=s3_server.endpoint_url,
        source_allowed_s3=["*"],
        **LOOPBACK_POLICY,  # presigned URLs name moto's host, 127.0.0.1
    )


def put(server: S3Server, bucket: str, key: str, data: bytes, **extra: str) -> str:
    server.client().put_object(Bucket=bucket, Key=key, Body=data, **extra)
    return f"s3://{bucket}/{key}"


def lines_of(uri: str, settings: Settings, **kwargs: int) -> list[tuple[int, bytes]]:
    with open_source(uri, settings=settings) as source:
        return list(iter_lines(source, **kwargs))


def numbered(count: int) -> bytes:
    return b"".join(b'{"n": %d}\n' % number for number in range(1, count + 1))


def noisy(size: int) -> bytes:
    """Poorly compressible lines, so the compressed object spans several reads."""
    rng = random.Random(3)
    out = bytearray()
    while len(out) < size:
        out += b'{"x": "%s"}\n' % rng.randbytes(90).hex().encode()
    return bytes(out)


# --- S3 -----------------------------------------------------------------------------------


def test_an_s3_object_has_its_size_and_an_etag_identity_and_streams_its_lines(
    s3_server, bucket, remote_settings
):
    data = numbered(5)
    uri = put(s3_server, bucket, "agoda/a_2025-03-01.jl", data)

    with open_source(uri, settings=remote_settings) as source:
        assert (source.uri, source.display_name) == (uri, uri)
        assert source.size == len(data)
        assert source.checksum.startswith("s3-etag:") and len(source.checksum) == 64
        assert source.compressed is False
        assert [line for _, line in iter_lines(source)] == data.splitlines()
        assert source.bytes_read == len(data)
    with open_source(uri, settings=remote_settings) as again:
        assert again.checksum == source.checksum


def test_an_object_stored_with_a_sha256_checksum_is_identified_like_a_local_copy(
    s3_server, bucket, remote_settings, tmp_path
):
    data = numbered(3)
    uri = put(s3_server, bucket, "a.jl", data, ChecksumAlgorithm="SHA256")
    local = tmp_path / "a.jl"
    local.write_bytes(data)

    with open_source(uri, settings=remote_settings) as remote, open_source(str(local)) as copy:
        assert remote.checksum == copy.checksum == hashlib.sha256(data).hexdigest()


def test_a_multi_member_gzip_object_spanning_many_reads_gives_the_same_lines_as_plain(
    s3_server, bucket, remote_settings
):
    data = noisy(3 * 1024 * 1024)
    half = data.index(b"\n", len(data) // 2) + 1
    plain = put(s3_server, bucket, "big.jl", data)
    zipped = put(
        s3_server, bucket, "big.jl.gz", gzip.compress(data[:half]) + gzip.compress(data[half:])
    )

    with open_source(zipped, settings=remote_settings) as source:
        assert source.compressed is True
        lines = list(iter_lines(source))
        assert source.bytes_read == source.size
    assert lines == lines_of(plain, remote_settings)
    assert len(lines) == data.count(b"\n")


def test_a_resumed_read_streams_again_and_skips_the_committed_lines(
    s3_server, bucket, remote_settings
):
    uri = put(s3_server, bucket, "a.jl.gz", gzip.compress(numbered(10)))

    assert lines_of(uri, remote_settings, start_after_line=7) == [
        (8, b'{"n": 8}'),
        (9, b'{"n": 9}'),
        (10, b'{"n": 10}'),
    ]


def test_a_prefix_expands_to_its_review_files_recursively_and_sorted(
    s3_server, bucket, remote_settings
):
    for key in ["feeds/b.jl", "feeds/a.jsonl.gz", "feeds/sub/c.jl.gz", "feeds/notes.txt"]:
        put(s3_server, bucket, key, b"{}\n")
    put(s3_server, bucket, "feeds-old/d.jl", b"{}\n")
    expected = [f"s3://{bucket}/feeds/{name}" for name in ["a.jsonl.gz", "b.jl", "sub/c.jl.gz"]]

    assert expand_paths([f"s3://{bucket}/feeds/"], settings=remote_settings) == expected
    # A key that is not an object is a folder: feeds-old/ is not under feeds/.
    assert expand_paths([f"s3://{bucket}/feeds"], settings=remote_settings) == expected
    assert len(expand_paths([f"s3://{bucket}"], settings=remote_settings)) == 4
    # An object is taken as given, whatever its name.
    notes = f"s3://{bucket}/feeds/notes.txt"
    assert expand_paths([notes], settings=remote_settings) == [notes]


def test_list_objects_gives_names_sizes_and_etags_without_reading(
    s3_server, bucket, remote_settings
):
    put(s3_server, bucket, "in/x.jl", b"{}\n" * 3)
    put(s3_server, bucket, "in/y.txt", b"no")

    [listed] = s3.list_objects(f"s3://{bucket}/in/", settings=remote_settings)

    assert (listed.uri, listed.key, listed.size) == (f"s3://{bucket}/in/x.jl", "in/x.jl", 9)
    assert listed.etag.strip('"') == hashlib.md5(b"{}\n" * 3).hexdigest()


def test_an_empty_prefix_is_refused_like_an_empty_directory(s3_server, bucket, remote_settings):
    put(s3_server, bucket, "feeds/readme.md", b"hello")

    with pytest.raises(SourceError, match=r"feeds/: no review files \(\*\.jl"):
        expand_paths([f"s3://{bucket}/feeds/"], settings=remote_settings)
    with pytest.raises(SourceError, match=r"/nothing: no such object, and no review files"):
        expand_paths([f"s3://{bucket}/nothing"], settings=remote_settings)


def test_a_missing_key_or_bucket_is_named_with_what_to_check(s3_server, bucket, remote_settings):
    missing_key = f"s3://{bucket}/absent.jl"
    with pytest.raises(SourceError, match=f"^{missing_key}: no such object; check the key"):
        open_source(missing_key, settings=remote_settings)
    object_uri, prefix_uri = "s3://no-such-bucket-here/a.jl", "s3://no-such-bucket-here/feeds/"
    with pytest.raises(SourceError, match=f"^{object_uri}: bucket no-such-bucket-here does not"):
        open_source(object_uri, settings=remote_settings)
    with pytest.raises(SourceError, match=f"^{prefix_uri}: bucket no-such-bucket-here does not"):
        expand_paths([prefix_uri], settings=remote_settings)


def test_binary_and_corrupt_gzip_objects_are_refused_when_opened(
    s3_server, bucket, remote_settings
):
    picture = put(s3_server, bucket, "picture.jl", b"\x89PNG\r\n\x1a\n\x00\x00" * 100)
    corrupt = put(s3_server, bucket, "bad.jl.gz", b"\x1f\x8b" + b"garbage" * 100)

    with pytest.raises(SourceError, match=f"^{picture}: not text"):
        open_source(picture, settings=remote_settings)
    with pytest.raises(SourceError, match=f"^{corrupt}: not a valid gzip file"):
        open_source(corrupt, settings=remote_settings)


def test_a_truncated_gzip_object_fails_mid_stream_after_its_good_lines(
    s3_server, bucket, remote_settings
):
    stored = gzip.compress(noisy(2 * 1024 * 1024))
    uri = put(s3_server, bucket, "cut.jl.gz", stored[: len(stored) // 2])
    read = []

    source = open_source(uri, settings=remote_settings)
    with source, pytest.raises(SourceError, match=f"^{uri}: gzip data is truncated") as caught:
        for line in iter_lines(source):
            read.append(line)
    assert len(read) > 1000
    assert "have it delivered again" in str(caught.value)
    assert not isinstance(caught.value, SourceUnavailable)


def test_an_object_replaced_while_opened_is_not_mixed_with_its_new_version(
    s3_server, bucket, remote_settings
):
    uri = put(s3_server, bucket, "a.jl", numbered(3))

    source = open_source(uri, settings=remote_settings)
    put(s3_server, bucket, "a.jl", numbered(4))
    with source, pytest.raises(SourceUnavailable, match="replaced while it was being read"):
        list(iter_lines(source))


def test_an_unreachable_endpoint_is_a_transient_failure_naming_it(s3_server, tmp_path, monkeypatch):
    from tests.support.s3_server import _free_port

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # no retries with backoff in this test
    endpoint = f"http://127.0.0.1:{_free_port()}"
    settings = Settings(
        environment="test", data_dir=tmp_path, s3_endpoint_url=endpoint, source_allowed_s3=["*"]
    )

    with pytest.raises(SourceUnavailable, match=f"cannot reach S3 at {endpoint}"):
        open_source("s3://feeds/a.jl", settings=settings)


def test_a_presigned_url_is_read_over_https_style_http_without_keeping_its_signature(
    s3_server, bucket, remote_settings
):
    data = gzip.compress(numbered(4))
    put(s3_server, bucket, "signed.jl.gz", data)
    signed = [
        s3_server.client().generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": "signed.jl.gz"}, ExpiresIn=600 + n
        )
        for n in range(2)
    ]

    with open_source(signed[0], settings=remote_settings) as first:
        assert first.compressed and first.size == len(data)
        assert "Signature" not in first.uri and "Signature" not in first.display_name
        assert first.checksum.startswith("http-etag:")
        assert len(list(iter_lines(first))) == 4
    with open_source(signed[1], settings=remote_settings) as second:
        assert second.checksum == first.checksum  # re-signed, still the same object


# --- http(s) ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["feed.jl", "feed.jl.gz"])
def test_a_url_is_read_plain_or_gzip_and_identified_by_its_validators(
    file_server: FileServer, tmp_path: Path, name: str
):
    data = numbered(20)
    (file_server.directory / name).write_bytes(
        gzip.compress(data) if name.endswith(".gz") else data
    )
    settings = Settings(environment="test", data_dir=tmp_path, **LOOPBACK_POLICY)

    with open_source(file_server.url(name), settings=settings) as source:
        assert source.compressed is name.endswith(".gz")
        assert source.size == (file_server.directory / name).stat().st_size
        assert source.checksum.startswith("http-modified:")
        assert [line for _, line in iter_lines(source, start_after_line=18)] == [
            b'{"n": 19}',
            b'{"n": 20}',
        ]
    assert expand_paths([file_server.url(name)]) == [file_server.url(name)]


def test_a_redirect_is_followed_and_a_redirect_loop_is_refused(
    file_server: FileServer, tmp_path: Path
):
    (file_server.directory / "a.jl").write_bytes(numbered(2))
    settings = Settings(environment="test", data_dir=tmp_path, **LOOPBACK_POLICY)

    assert len(lines_of(file_server.url("moved/a.jl"), settings)) == 2
    with pytest.raises(SourceError, match="too many redirects"):
        open_source(file_server.url("loop/a.jl"), settings=settings)


def test_a_server_without_validators_gets_the_sha256_of_the_bytes(
    file_server: FileServer, tmp_path: Path
):
    data = numbered(7)
    (file_server.directory / "a.jl").write_bytes(data)
    settings = Settings(environment="test", data_dir=tmp_path, **LOOPBACK_POLICY)

    with open_source(file_server.url("bare/a.jl"), settings=settings) as source:
        assert source.checksum == hashlib.sha256(data).hexdigest()
        assert source.size == len(data)
        assert len(list(iter_lines(source))) == 7


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("absent.jl", SourceError, r"absent.jl: not found \(HTTP 404\); check the URL"),
        ("fail/403", SourceError, r"fail/403: access denied \(HTTP 403\)"),
        ("fail/503", SourceUnavailable, r"fail/503: the server answered HTTP 503 .*try again"),
    ],
)
def test_http_errors_are_named_with_what_to_do(
    file_server: FileServer, tmp_path: Path, path: str, error: type, message: str
):
    settings = Settings(environment="test", data_dir=tmp_path, **LOOPBACK_POLICY)

    with pytest.raises(error, match=message):
        open_source(file_server.url(path), settings=settings)


def test_a_connection_cut_mid_body_is_a_transient_failure_naming_the_url(
    file_server: FileServer, tmp_path: Path
):
    (file_server.directory / "a.jl").write_bytes(noisy(200_000))
    settings = Settings(environment="test", data_dir=tmp_path, **LOOPBACK_POLICY)
    url = file_server.url("cut/a.jl")

    source = open_source(url, settings=settings)
    with source, pytest.raises(SourceUnavailable, match=f"^{url}: the connection failed after"):
        list(iter_lines(source))


def test_a_refused_connection_is_a_transient_failure(tmp_path: Path):
    from tests.support.s3_server import _free_port

    url = f"http://127.0.0.1:{_free_port()}/a.jl"
    settings = Settings(environment="test", data_dir=tmp_path, **LOOPBACK_POLICY)

    with pytest.raises(SourceUnavailable, match=f"^{url}: could not connect to the source host"):
        open_source(url, settings=settings)
