"""http(s):// sources: one request each, through the source policy, bounded in time and bytes.

The resource is requested once (http_fetch.get: checked host, checked addresses, checked
redirects). Its validators and size come with the headers, and its first bytes are read to
recognise gzip and refuse what is not text; then:

- with an ETag (or else a Last-Modified) and a size, it is identified by them and the shown
  URL (without its signing parameters, so a re-signed presigned URL is the same object), and
  ingested from the same response, its first bytes replayed: one request, one pass;
- without, the body is copied to a temporary file as it arrives, its sha256 (the checksum a
  local copy gets) computed on the way, and ingested from that copy: the network is read
  once, never twice, and what is ingested is exactly what was checksummed.

A source read a second time (its lines asked for again) is requested again, and refused if
its ETag or size changed meanwhile. The body stops at HOTELREVIEWS_SOURCE_MAX_BYTES (a
larger announced size is refused before reading) and every step at the source's deadline,
HOTELREVIEWS_SOURCE_MAX_SECONDS, a drip-fed body included.

Errors say what failed in a user's terms; network detail (addresses, TLS errors, errno) goes
to the log only: a message telling a closed port from an open one, or from a TLS port with
an untrusted certificate, would make the worker a port scanner.
"""

from __future__ import annotations

import http.client
import logging
from typing import TYPE_CHECKING, BinaryIO, cast

from hotelreviews.ingestion.sources.egress import SourcePolicy, SourceRefused
from hotelreviews.ingestion.sources.errors import SourceError, SourceOverLimit, SourceUnavailable
from hotelreviews.ingestion.sources.http_fetch import (
    BadRedirect,
    Budget,
    ConnectFailed,
    DeadlineReached,
    Exchange,
    get,
)
from hotelreviews.ingestion.sources.local import spool_stream
from hotelreviews.ingestion.sources.remote import (
    RemoteSource,
    check_sample,
    display_name,
    identity,
    redact_url,
)
from hotelreviews.ingestion.sources.sniffing import SNIFF_BYTES
from hotelreviews.ingestion.sources.source import Source
from hotelreviews.ingestion.sources.streams import CHUNK_BYTES

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

logger = logging.getLogger("hotelreviews.ingestion")
_HEADERS = {"User-Agent": "hotelreviews", "Accept-Encoding": "identity"}


def open_url(url: str, *, settings: Settings) -> Source:
    """One resource: its validators, size and first bytes now, its body when read."""
    fetch = _Fetch(url, settings)
    exchange = fetch.request()
    try:
        return fetch.opened(exchange)
    except BaseException:
        exchange.close()
        raise


class _Fetch:
    """One source's URL, policy, budget and byte cap, and what its errors look like."""

    def __init__(self, url: str, settings: Settings) -> None:
        self.url, self.shown = url, redact_url(url)
        self.policy = SourcePolicy.from_settings(settings)
        self.budget = Budget.for_source(settings)  # the deadline starts now
        self.max_bytes = settings.source_max_bytes

    def request(self) -> Exchange:
        """The response (status 200) to a GET of the URL; SourceError in user terms if not."""
        try:
            exchange = get(self.url, policy=self.policy, budget=self.budget, headers=_HEADERS)
        except SourceRefused as error:
            logger.warning("source %s refused: %s (%s)", self.shown, error, error.detail or "")
            raise SourceError(f"{self.shown}: {error}") from None
        except BadRedirect as error:
            logger.warning("source %s: %s", self.shown, error)
            raise SourceError(f"{self.shown}: {error}; check the URL") from None
        except (ConnectFailed, OSError, http.client.HTTPException) as error:
            raise self.failed(error, when="connecting") from None
        status = exchange.response.status
        if status != 200:
            reason = exchange.response.reason[:80]  # the server's words: kept short
            exchange.close()
            raise self._status_error(status, reason)
        return exchange

    def opened(self, exchange: Exchange) -> Source:
        response = exchange.response
        etag, modified = response.getheader("ETag"), response.getheader("Last-Modified")
        size = _content_length(response)
        if size is not None and size > self.max_bytes:
            raise SourceOverLimit(
                f"{self.shown}: the server announces {size:,} bytes, more than the"
                f" {self.max_bytes:,} one source may hold (HOTELREVIEWS_SOURCE_MAX_BYTES)"
            )
        body = _Body(exchange, self, size)
        if size is None or not (etag or modified):
            return self._spooled(body)
        sample = body.read_up_to(SNIFF_BYTES)
        kind, validator = ("etag", etag) if etag else ("modified", modified)

        def read_again() -> _Body:
            return self._reopened(etag=etag, size=size)

        return RemoteSource(
            uri=self.shown,
            size=size,
            checksum=identity(f"http-{kind}", self.shown, validator or "", str(size)),
            compressed=check_sample(self.shown, sample),
            open_stream=read_again,
            first_stream=_Replayed(sample, body),
        )

    def _spooled(self, body: _Body) -> Source:
        """The body copied to a temporary file with its sha256: one pass over the network."""
        with body:
            source = spool_stream(cast(BinaryIO, body), display_name=display_name(self.shown))
        source.uri = self.shown
        return source

    def _reopened(self, *, etag: str | None, size: int) -> _Body:
        exchange = self.request()
        other_etag = etag and exchange.response.getheader("ETag") not in (None, etag)
        if other_etag or _content_length(exchange.response) not in (None, size):
            exchange.close()
            raise SourceUnavailable(
                f"{self.shown}: the resource changed since it was opened; run again to ingest"
                " its new version"
            )
        return _Body(exchange, self, size)

    def failed(self, error: BaseException, *, when: str, done: int = 0) -> SourceError:
        """The user's error for a network failure; its detail goes to the log."""
        logger.warning("source %s: %s failed: %s", self.shown, when, error)
        if isinstance(error, DeadlineReached) or self.budget.expired:
            return SourceOverLimit(
                f"{self.shown}: stopped after {self.budget.total_seconds:g} s, the most one"
                " source may take (HOTELREVIEWS_SOURCE_MAX_SECONDS): the server sends too"
                " slowly, or the file is too big for that time"
            )
        if when == "connecting":
            return SourceUnavailable(
                f"{self.shown}: could not connect to the source host, or it did not answer"
                " as an http(s) server; check the URL, then run again (the server's log has"
                " the detail)"
            )
        if isinstance(error, TimeoutError):
            return SourceUnavailable(
                f"{self.shown}: nothing received for {self.budget.read_seconds:g} s after"
                f" {done:,} bytes; try again later, or raise HOTELREVIEWS_REMOTE_TIMEOUT_SECONDS"
            )
        return SourceUnavailable(
            f"{self.shown}: the connection failed after {done:,} bytes; run again: ingestion"
            " resumes after the last committed line"
        )

    def _status_error(self, code: int, reason: str) -> SourceError:
        if code in (404, 410):
            return SourceError(f"{self.shown}: not found (HTTP {code}); check the URL")
        if code in (401, 403):
            return SourceError(
                f"{self.shown}: access denied (HTTP {code}); the URL needs credentials, or"
                " its signature has expired (presigned URLs do): get a fresh one"
            )
        if code == 429 or code >= 500:
            return SourceUnavailable(
                f"{self.shown}: the server answered HTTP {code} {reason}; try again later"
            )
        return SourceError(f"{self.shown}: the server answered HTTP {code} {reason}")


class _Body:
    """A response's body, counted against the byte cap; failures are SourceErrors."""

    def __init__(self, exchange: Exchange, fetch: _Fetch, size: int | None) -> None:
        self._exchange, self._fetch, self._size, self._done = exchange, fetch, size, 0

    def read(self, size: int = -1, /) -> bytes:
        wanted = CHUNK_BYTES if size is None or size < 0 else size
        # One byte past the cap is enough to know it is exceeded.
        wanted = min(wanted, self._fetch.max_bytes - self._done + 1)
        try:
            data = self._exchange.response.read(wanted)
        except (OSError, http.client.HTTPException) as error:
            raise self._fetch.failed(error, when="reading", done=self._done) from None
        # http.client ends a body cut short silently: b"" before Content-Length is reached.
        if not data and wanted and self._size is not None and self._done < self._size:
            raise self._fetch.failed(
                ConnectionError("closed by the server"), when="reading", done=self._done
            )
        self._done += len(data)
        if self._done > self._fetch.max_bytes:
            raise SourceOverLimit(
                f"{self._fetch.shown}: more than {self._fetch.max_bytes:,} bytes, the most one"
                " source may hold (HOTELREVIEWS_SOURCE_MAX_BYTES)"
            )
        return data

    def read_up_to(self, size: int) -> bytes:
        """The next `size` bytes, fewer only at the end of the body."""
        parts, missing = [], size
        while missing and (data := self.read(missing)):
            parts.append(data)
            missing -= len(data)
        return b"".join(parts)

    def close(self) -> None:
        self._exchange.close()

    def __enter__(self) -> _Body:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _Replayed:
    """The body from its first byte: the sample already read, then the rest of it."""

    def __init__(self, head: bytes, body: _Body) -> None:
        self._head, self._body = head, body

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            count = len(self._head) if size is None or size < 0 else size
            data, self._head = self._head[:count], self._head[count:]
            return data
        return self._body.read(size)

    def close(self) -> None:
        self._body.close()


def _content_length(response: http.client.HTTPResponse) -> int | None:
    length = response.getheader("Content-Length")
    return int(length) if length and length.isdigit() else None
