"""http(s):// sources through the standard library: metadata and a sample, then one stream.

urllib is enough here — redirects (at most 10, urllib's bound), timeouts, proxies from the
environment, TLS with the system's certificates — so no HTTP client is added to the runtime.

Identity, for "already ingested": the URL (without secrets or signing parameters, so a
re-signed presigned URL is the same object), its ETag or else its Last-Modified, and its
size. A server that sends neither validator, or no size, costs a first streamed pass that
computes the sha256 of the bytes (the checksum a local copy gets); such a server can change
the resource between that pass and the read without being noticed.
"""

from __future__ import annotations

import hashlib
import http.client
import ssl
from typing import TYPE_CHECKING
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from hotelreviews.ingestion.remote import RemoteSource, check_sample, identity, redact_url
from hotelreviews.ingestion.sniffing import SNIFF_BYTES
from hotelreviews.ingestion.sources import SourceError, SourceUnavailable
from hotelreviews.ingestion.streams import CHUNK_BYTES

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

_REDIRECTS = {301, 302, 303, 307, 308}
_RANGE_NOT_SATISFIABLE = 416  # what a Range request on an empty resource gets


def open_url(url: str, *, settings: Settings) -> RemoteSource:
    """One resource: its validators, size and first bytes now, its body when read."""
    shown = redact_url(url)
    timeout = settings.remote_timeout_seconds
    try:
        response = _get(url, timeout, first_bytes=SNIFF_BYTES)
    except HTTPError as error:
        if error.code != _RANGE_NOT_SATISFIABLE:
            raise _translate(error, shown, timeout) from error
        response = _get_or_explain(url, shown, timeout)
    except Exception as error:
        raise _translate(error, shown, timeout) from error
    with response:
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        size = _total_size(response)
        sample = _Stream(response, shown, size).read(SNIFF_BYTES)
    compressed = check_sample(shown, sample)
    if size is None or not (etag or modified):
        size, checksum = _sha256_pass(url, shown, timeout)
    else:
        validator = ("etag", etag) if etag else ("modified", modified)
        checksum = identity(f"http-{validator[0]}", shown, validator[1] or "", str(size))

    def open_stream() -> _Stream:
        response = _get_or_explain(url, shown, timeout)
        other_etag = etag and response.headers.get("ETag") not in (None, etag)
        if other_etag or _total_size(response) not in (None, size):
            response.close()
            raise SourceUnavailable(
                f"{shown}: the resource changed since it was opened; run again to ingest its"
                " new version"
            )
        return _Stream(response, shown, size)

    return RemoteSource(
        uri=shown, size=size, checksum=checksum, compressed=compressed, open_stream=open_stream
    )


class _Stream:
    """A response body; a failure in transit is a SourceUnavailable naming the URL."""

    def __init__(self, response: http.client.HTTPResponse, shown: str, size: int | None):
        self._response, self._shown, self._size, self._done = response, shown, size, 0

    def read(self, size: int = -1, /) -> bytes:
        try:
            data = self._response.read(size if size >= 0 else None)
        except (http.client.HTTPException, OSError) as error:
            raise self._failed(repr(error)) from error
        # http.client ends a body cut short silently: b"" before Content-Length is reached.
        if not data and size and self._size is not None and self._done < self._size:
            raise self._failed("closed by the server")
        self._done += len(data)
        return data

    def _failed(self, cause: str) -> SourceUnavailable:
        of = f" of {self._size:,}" if self._size is not None else ""
        return SourceUnavailable(
            f"{self._shown}: the connection failed after {self._done:,}{of} bytes ({cause});"
            " run again: ingestion resumes after the last committed line"
        )

    def close(self) -> None:
        self._response.close()


def _get(url: str, timeout: float, *, first_bytes: int = 0) -> http.client.HTTPResponse:
    headers = {"User-Agent": "hotelreviews", "Accept-Encoding": "identity"}
    if first_bytes:
        headers["Range"] = f"bytes=0-{first_bytes - 1}"  # a server may ignore it and send all
    return urlopen(Request(url, headers=headers), timeout=timeout)


def _get_or_explain(url: str, shown: str, timeout: float) -> http.client.HTTPResponse:
    try:
        return _get(url, timeout)
    except Exception as error:
        raise _translate(error, shown, timeout) from error


def _total_size(response: http.client.HTTPResponse) -> int | None:
    """The resource's size: from Content-Range for a 206, else Content-Length (if sent)."""
    if response.status == 206:
        total = (response.headers.get("Content-Range") or "").rpartition("/")[2]
        return int(total) if total.isdigit() else None
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _sha256_pass(url: str, shown: str, timeout: float) -> tuple[int, str]:
    """(size, sha256) of the resource, streamed: for servers that give no validator."""
    digest, size = hashlib.sha256(), 0
    response = _get_or_explain(url, shown, timeout)
    with response:
        stream = _Stream(response, shown, None)
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _translate(error: Exception, shown: str, timeout: float) -> SourceError:
    """A SourceError that names the URL (without its secrets), the cause and what to do."""
    if isinstance(error, HTTPError):
        error.close()
        code, reason = error.code, error.reason
        if code in (404, 410):
            return SourceError(f"{shown}: not found (HTTP {code}); check the URL")
        if code in (401, 403):
            return SourceError(
                f"{shown}: access denied (HTTP {code}); the URL needs credentials, or its"
                " signature has expired (presigned URLs do): get a fresh one"
            )
        if code in _REDIRECTS:
            return SourceError(f"{shown}: too many redirects (HTTP {code}); check the URL")
        if code == 429 or code >= 500:
            return SourceUnavailable(
                f"{shown}: the server answered HTTP {code} {reason}; try again later"
            )
        return SourceError(f"{shown}: the server answered HTTP {code} {reason}")
    if isinstance(error, URLError):
        reason = error.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            return SourceError(
                f"{shown}: the server's TLS certificate is not trusted"
                f" ({reason.verify_message}); check the URL or the system's CA certificates"
            )
        if isinstance(reason, str):  # urllib's own complaints: "no host given", "unknown url type"
            return SourceError(f"{shown}: not a usable URL ({reason})")
        error = reason if isinstance(reason, Exception) else error
    if isinstance(error, TimeoutError):
        return SourceUnavailable(
            f"{shown}: no answer within {timeout:g} s; check the server, or raise"
            " HOTELREVIEWS_REMOTE_TIMEOUT_SECONDS, then run again"
        )
    if isinstance(error, OSError | http.client.HTTPException):
        return SourceUnavailable(
            f"{shown}: cannot connect ({error}); check the URL and the network, then run again"
        )
    if isinstance(error, ValueError):
        return SourceError(f"{shown}: not a usable URL ({error})")
    raise error
