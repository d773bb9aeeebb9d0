"""The queue's pure rules: retry backoff, which failures are final, which sources may be queued."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from hotelreviews.core.errors import InvalidSourceUri
from hotelreviews.ingestion.queue.retry import backoff_seconds, is_permanent
from hotelreviews.ingestion.queue.uris import local_roots, parse_source_uri, target_of
from hotelreviews.ingestion.sources.egress import SourcePolicy
from hotelreviews.ingestion.sources.errors import SourceError, SourceUnavailable


def test_backoff_doubles_per_attempt_up_to_the_cap_with_at_most_half_taken_off() -> None:
    rng = random.Random(7)
    for attempt, ceiling in [(1, 5.0), (2, 10.0), (3, 20.0), (4, 40.0), (8, 300.0), (60, 300.0)]:
        for _ in range(200):
            delay = backoff_seconds(attempt, base=5.0, cap=300.0, rng=rng)
            assert ceiling / 2 <= delay <= ceiling


def test_backoff_jitter_spreads_jobs_that_failed_together() -> None:
    rng = random.Random(1)
    delays = {round(backoff_seconds(3, base=5.0, cap=300.0, rng=rng), 6) for _ in range(50)}
    assert len(delays) == 50


def test_only_an_unreadable_source_is_final() -> None:
    assert is_permanent(SourceError("x.jl: no such file or directory"))
    assert not is_permanent(SourceUnavailable("s3://b/k: HTTP 503 SlowDown"))
    assert not is_permanent(ConnectionError("database went away"))
    assert not is_permanent(RuntimeError("a bug"))


@pytest.fixture
def feeds(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    (folder / "agoda").mkdir(parents=True)
    (folder / "agoda" / "a.jl").write_text("{}\n")
    return folder


def test_a_file_under_a_polled_folder_is_queued_by_its_resolved_path(feeds: Path) -> None:
    roots = local_roots([str(feeds), "s3://bucket/feeds/"])
    assert roots == [feeds.resolve()]
    path = feeds / "agoda" / "a.jl"
    for given in (str(path), path.as_uri(), str(feeds / "agoda" / ".." / "agoda" / "a.jl")):
        queued = parse_source_uri(given, local_roots=roots)
        assert queued.uri == path.resolve().as_uri()
        assert queued.target == queued.display_name == str(path.resolve())
        assert target_of(queued.uri) == str(path.resolve())


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("/etc/passwd", "is not under a folder the worker polls"),
        ("{feeds}/../outside.jl", "is not under a folder the worker polls"),
        ("{feeds}", "is a polled folder, expected a file in it"),
        ("feeds/a.jl", "is neither a URI nor an absolute path"),
        ("file://otherhost/data/a.jl", "must name a local file"),
        ("http://example.com/a.jl", "plain http:// is not accepted: use https://"),
        ("ftp://example.com/a.jl", "unsupported scheme ftp://"),
        ("s3://bucket", "needs a bucket and an object key"),
        ("s3://bucket/feeds/", "is a prefix, expected one object"),
        ("s3://Bad_Bucket/a.jl", "is not a valid S3 bucket name"),
        ("https://user:secret@example.com/a.jl", "must not carry credentials"),
        ("https:///a.jl", "has no host name"),
        ("https://example.com/", "names no file"),
        ("https://example.com:port/a.jl", "not a valid URL"),
        (" s3://bucket/a.jl", "must not start or end with spaces"),
        ("s3://bucket/a\n.jl", "must not contain control characters"),
    ],
)
def test_sources_outside_the_policy_are_refused_with_the_reason(
    feeds: Path, uri: str, message: str
) -> None:
    with pytest.raises(InvalidSourceUri, match=message) as refused:
        parse_source_uri(uri.format(feeds=feeds), local_roots=local_roots([str(feeds)]))
    assert refused.value.field == "body.source_uri"


def test_without_polled_folders_no_local_file_is_accepted(feeds: Path) -> None:
    with pytest.raises(InvalidSourceUri, match="local files are not accepted by this server"):
        parse_source_uri(str(feeds / "agoda" / "a.jl"), local_roots=[])


def test_a_symbolic_link_out_of_a_polled_folder_is_refused(feeds: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.jl"
    outside.write_text("{}\n")
    (feeds / "link.jl").symlink_to(outside)
    with pytest.raises(InvalidSourceUri, match="is a symbolic link leading outside the polled"):
        parse_source_uri(str(feeds / "link.jl"), local_roots=local_roots([str(feeds)]))


def test_remote_sources_are_queued_as_given_and_shown_without_secrets() -> None:
    allowed = SourcePolicy(hosts=("cdn.example.com",), s3=("feeds.example",))
    s3 = parse_source_uri("s3://feeds.example/agoda/a.jl.gz", local_roots=[], remote=allowed)
    assert (s3.uri, s3.target, s3.shown_uri) == ("s3://feeds.example/agoda/a.jl.gz",) * 3
    signed = "https://cdn.example.com/a.jl?X-Amz-Signature=abc123&part=1"
    https = parse_source_uri(signed, local_roots=[], remote=allowed)
    assert https.uri == https.target == signed
    assert "abc123" not in https.shown_uri and "abc123" not in https.display_name
    assert https.shown_uri.endswith("part=1")
