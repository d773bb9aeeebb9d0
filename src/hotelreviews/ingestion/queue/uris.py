"""Which sources may be queued, in which canonical form, and what the worker opens for each.

Through the API anyone who may enqueue names a file the worker then reads, so the policy is
narrow: s3://bucket/key in the allowed buckets and https:// URLs on the allowed hosts
(sources/egress.py: refused here already, and again by the worker when it connects), and
local files only under the folders the worker itself polls (HOTELREVIEWS_WORKER_SOURCES) —
never an arbitrary path on the servers.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from hotelreviews.core.errors import InvalidSourceUri
from hotelreviews.ingestion.sources.egress import SourcePolicy, SourceRefused
from hotelreviews.ingestion.sources.local_files import why_outside
from hotelreviews.ingestion.sources.remote import display_name as remote_display_name
from hotelreviews.ingestion.sources.remote import redact_url

MAX_URI_LENGTH = 2048
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# S3 bucket names: 3-63 of a-z, 0-9, dot and hyphen, starting and ending with a letter or digit.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
NOTHING_REMOTE = SourcePolicy()  # no host, no bucket


@dataclass(frozen=True, slots=True)
class QueuedSource:
    """A source as queued: its canonical URI, the same without secrets (a presigned URL's
    signature) to show and log, a name to display, and what the worker opens."""

    uri: str
    shown_uri: str
    display_name: str
    target: str


def parse_source_uri(
    text: str, *, local_roots: list[Path], remote: SourcePolicy = NOTHING_REMOTE
) -> QueuedSource:
    """Check a requested source URI against the policy; InvalidSourceUri says what is wrong.

    `remote` says which hosts and buckets are allowed; the default allows none.
    """
    if _CONTROL.search(text):
        raise InvalidSourceUri("source_uri must not contain control characters")
    if text != text.strip():
        raise InvalidSourceUri("source_uri must not start or end with spaces")
    if not text:
        raise InvalidSourceUri("source_uri must not be empty")
    if text.startswith("/"):
        return _local(text, local_roots)
    scheme, separator, _ = text.partition("://")
    if not separator:
        raise InvalidSourceUri(
            f"{text!r} is neither a URI nor an absolute path: give s3://bucket/key, an "
            "https:// URL, or an absolute path under a folder the worker polls"
        )
    scheme = scheme.lower()
    if scheme == "s3":
        return _s3(text, remote)
    if scheme == "https":
        return _https(text, remote)
    if scheme == "file":
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise InvalidSourceUri("a file:// URI must name a local file: file:///path")
        return _local(url2pathname(unquote(parts.path)), local_roots)
    if scheme == "http":
        raise InvalidSourceUri("plain http:// is not accepted: use https://")
    raise InvalidSourceUri(
        f"unsupported scheme {scheme}://: give s3://bucket/key, an https:// URL, or an "
        "absolute path under a folder the worker polls"
    )


def local_roots(sources: list[str]) -> list[Path]:
    """The local folders among the worker's sources, resolved."""
    roots = []
    for source in sources:
        if source.startswith("file://"):
            source = url2pathname(unquote(urlsplit(source).path))
        elif "://" in source:
            continue
        roots.append(Path(source).resolve())
    return roots


def target_of(uri: str) -> str:
    """What ingestion opens for a queued URI: the path of a file:// URI, else the URI."""
    if uri.startswith("file://"):
        return url2pathname(unquote(urlsplit(uri).path))
    return uri


def _local(path_text: str, roots: list[Path]) -> QueuedSource:
    if not roots:
        raise InvalidSourceUri(
            "local files are not accepted by this server (no folder is configured in "
            "HOTELREVIEWS_WORKER_SOURCES): give an s3:// or https:// URI"
        )
    if not os.path.isabs(path_text):
        raise InvalidSourceUri(f"{path_text!r} is not an absolute path")
    # Symbolic links and ".." are resolved first: the file must really be under a root (and
    # the worker checks again when it opens it: the path may have changed by then).
    problem = why_outside(path_text, roots)
    if problem is not None:
        raise InvalidSourceUri(problem)
    path = Path(path_text).resolve()
    uri = path.as_uri()
    return QueuedSource(uri=uri, shown_uri=uri, display_name=str(path), target=str(path))


def _s3(uri: str, policy: SourcePolicy) -> QueuedSource:
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket or not key:
        raise InvalidSourceUri(
            f"{uri} needs a bucket and an object key: s3://bucket/path/to/file.jl"
        )
    if not _BUCKET.match(bucket):
        raise InvalidSourceUri(
            f"{bucket!r} is not a valid S3 bucket name (3-63 lowercase letters, digits, dots "
            "and hyphens)"
        )
    if key.endswith("/"):
        raise InvalidSourceUri(
            f"{uri} is a prefix, expected one object; to ingest everything under it, add it to "
            "the worker's sources (HOTELREVIEWS_WORKER_SOURCES)"
        )
    try:
        policy.check_s3(bucket, key)
    except SourceRefused as error:
        raise InvalidSourceUri(str(error)) from None
    uri = f"s3://{bucket}/{key}"
    return QueuedSource(uri=uri, shown_uri=uri, display_name=remote_display_name(uri), target=uri)


def _https(uri: str, policy: SourcePolicy) -> QueuedSource:
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as error:
        raise InvalidSourceUri(f"not a valid URL: {error}") from None
    if "@" in parts.netloc:
        raise InvalidSourceUri(
            "the URL must not carry credentials (user:password@): use a presigned URL"
        )
    if not parts.hostname:
        raise InvalidSourceUri(f"{redact_url(uri)} has no host name")
    if not parts.path or parts.path == "/":
        raise InvalidSourceUri(f"{redact_url(uri)} names no file (the path is empty)")
    try:
        policy.check_host(parts.hostname)
    except SourceRefused as error:
        raise InvalidSourceUri(f"{redact_url(uri)}: {error}") from None
    # Queued as given (a presigned URL needs its signature), shown without its secrets.
    shown = redact_url(uri)
    return QueuedSource(
        uri=uri, shown_uri=shown, display_name=remote_display_name(shown), target=uri
    )
