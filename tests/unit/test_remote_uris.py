"""URIs where paths are accepted: recognising them, naming them safely, identifying objects."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from hotelreviews.ingestion.sources import remote, s3
from hotelreviews.ingestion.sources.errors import SourceError
from hotelreviews.ingestion.sources.opening import expand_paths, iter_lines, open_source


def test_a_presigned_url_is_shown_without_its_signature_or_credentials():
    url = (
        "https://user:secret@bucket.example.com/feeds/a.jl.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIA%2F20250101&X-Amz-Signature=abcdef&X-Amz-Expires=900&day=3"
    )

    shown = remote.redact_url(url)

    assert shown == "https://bucket.example.com/feeds/a.jl.gz?day=3"


@pytest.mark.parametrize(
    "query",
    ["Signature=s&AWSAccessKeyId=k&Expires=1", "sig=s&se=2025", "token=t", "api_key=k", "key=k"],
)
def test_signing_parameters_of_other_schemes_are_not_shown_either(query):
    assert remote.redact_url(f"https://host/path?{query}#frag") == "https://host/path"


def test_a_url_is_shown_with_its_harmless_parameters_only():
    shown = remote.redact_url("http://host:8080/a/b.jl?day=1&Part=2&format=jl&x=1&page")
    assert shown == "http://host:8080/a/b.jl?day=1&Part=2&format=jl&page"


def test_an_identity_fits_the_checksum_column_and_changes_with_any_part():
    first = remote.identity("s3-etag", "s3://b/k.jl", '"abc"', "10")

    assert len(first) <= 64
    assert first.startswith("s3-etag:")
    assert first == remote.identity("s3-etag", "s3://b/k.jl", '"abc"', "10")
    assert first != remote.identity("s3-etag", "s3://b/k.jl", '"abd"', "10")
    assert first != remote.identity("s3-etag", "s3://b/k2.jl", '"abc"', "10")
    assert first != remote.identity("s3-etag", "s3://b/k.jl", '"abc"', "11")


def test_a_long_uri_is_shortened_from_the_left_to_fit_the_display_name_column():
    uri = "s3://bucket/" + "a" * 600 + "/agoda_2025-03-01.jl"

    name = remote.display_name(uri)

    assert len(name) == 500
    assert name.endswith("agoda_2025-03-01.jl")


def test_a_full_object_sha256_is_the_checksum_a_local_copy_gets():
    digest = hashlib.sha256(b"content").digest()
    head = {"ChecksumSHA256": base64.b64encode(digest).decode(), "ETag": '"x"', "ContentLength": 7}

    assert s3._checksum("s3://b/k.jl", head) == digest.hex()
    composite = {**head, "ChecksumSHA256": head["ChecksumSHA256"] + "-3"}
    assert s3._checksum("s3://b/k.jl", composite).startswith("s3-etag:")
    assert s3._checksum("s3://b/k.jl", {"ETag": '"x"', "ContentLength": 7}).startswith("s3-etag:")


@pytest.mark.parametrize("uri", ["s3://", "s3:///key.jl"])
def test_an_s3_uri_without_a_bucket_is_refused(uri):
    with pytest.raises(SourceError, match="expected s3://bucket/key"):
        s3.parse_uri(uri)


def test_an_s3_prefix_cannot_be_opened_as_an_object():
    with pytest.raises(SourceError, match="is a prefix, expected an object"):
        open_source("s3://bucket/feeds/")


@pytest.mark.parametrize("uri", ["gs://bucket/a.jl", "ftp://host/a.jl"])
def test_an_unsupported_scheme_is_refused_naming_what_is_accepted(uri):
    with pytest.raises(SourceError, match=r"unsupported scheme .*s3://bucket/key"):
        open_source(uri)
    with pytest.raises(SourceError, match="unsupported scheme"):
        expand_paths([uri])


def test_a_file_uri_is_a_local_file(tmp_path: Path):
    path = tmp_path / "feeds" / "a b.jl"
    path.parent.mkdir()
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n')

    assert expand_paths([path.parent.as_uri()]) == [str(path)]
    with open_source(path.as_uri()) as source:
        assert source.checksum == hashlib.sha256(path.read_bytes()).hexdigest()
        assert [number for number, _ in iter_lines(source)] == [1, 2]
        assert source.bytes_read == source.size
