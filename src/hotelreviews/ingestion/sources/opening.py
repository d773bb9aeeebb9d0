"""Open what `hotelreviews ingest` or the worker is given, by its kind: "-" (stdin), a path
or directory, or a URI (s3://bucket/key, s3://bucket/prefix/, http(s)://…, file://…) —
accepted wherever a path is — and read its lines.

The one place that picks the backend for a scheme: local.py, s3.py and http_source.py
below it never pick each other.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from hotelreviews.core.settings import Settings, get_settings
from hotelreviews.ingestion.sources import http_source, s3
from hotelreviews.ingestion.sources.errors import SourceError
from hotelreviews.ingestion.sources.limits import SourceBudget, within_budget
from hotelreviews.ingestion.sources.local import (
    LocalSource,
    local_lines,
    open_file,
    review_files,
    spool_stream,
)
from hotelreviews.ingestion.sources.remote import redact_url
from hotelreviews.ingestion.sources.source import Source

STDIN = "-"


def expand_paths(args: list[str], *, settings: Settings | None = None) -> list[str]:
    """Files as given, directories expanded to their review files (recursively, sorted);
    an S3 prefix to the review objects under it; other URIs as given."""
    expanded: list[str] = []
    for arg in args:
        if arg == STDIN:
            expanded.append(arg)
            continue
        if _is_uri(arg):
            expanded.extend(_expand_uri(arg, settings=settings))
            continue
        path = Path(arg)
        if path.is_dir():
            expanded.extend(review_files(path, arg))
        elif path.exists():
            expanded.append(arg)
        else:
            raise SourceError(f"{arg}: no such file or directory")
    return expanded


def open_source(
    arg: str, *, settings: Settings | None = None, local_roots: Sequence[Path] | None = None
) -> Source:
    """Open one path (or "-" for stdin), checksumming it in a first streaming pass; or one
    URI (s3://, http(s)://, file://), whose metadata gives its size and checksum.

    With `local_roots` (the worker's polled folders), a path must really be under one of
    them (see local_files); without, any path is read (an operator's own command). With
    `settings`, a local file or stdin larger than source_max_bytes is refused unread.
    """
    budget = SourceBudget.start(settings) if settings is not None else None
    if arg == STDIN:
        return spool_stream(sys.stdin.buffer, display_name="<stdin>", budget=budget)
    if _is_uri(arg):
        return _open_uri(arg, settings=settings)
    return open_file(arg, budget=budget, local_roots=local_roots)


def iter_lines(
    source: Source, *, start_after_line: int = 0, budget: SourceBudget | None = None
) -> Iterator[tuple[int, bytes]]:
    """Yield (line number from 1, line without its terminator); constant memory. With a
    budget, a source costing more than it allows ends with SourceOverLimit (limits.py)."""
    if isinstance(source, LocalSource):
        yield from local_lines(source, start_after_line=start_after_line, budget=budget)
        return
    lines = source.iter_lines(start_after_line=start_after_line)  # type: ignore[attr-defined]
    yield from lines if budget is None else within_budget(lines, source, budget)


def _is_uri(arg: str) -> bool:
    scheme, separator, _ = arg.partition("://")
    return bool(separator) and scheme.isascii() and scheme.replace("+", "").isalnum()


def _open_uri(uri: str, *, settings: Settings | None = None) -> Source:
    """Open one URI: s3://bucket/key, http(s)://…, or file://… (a local file)."""
    scheme = _scheme(uri)
    if scheme == "s3":
        return s3.open_object(uri, settings=_settings(settings))
    if scheme in ("http", "https"):
        return http_source.open_url(uri, settings=_settings(settings))
    if scheme == "file":
        return open_source(_local_path(uri))
    raise _unsupported(uri, scheme)


def _expand_uri(uri: str, *, settings: Settings | None = None) -> list[str]:
    """An S3 prefix as the review objects under it; any other URI as given."""
    scheme = _scheme(uri)
    if scheme == "s3":
        return s3.expand(uri, settings=_settings(settings))
    if scheme in ("http", "https"):
        return [uri]
    if scheme == "file":
        return expand_paths([_local_path(uri)])
    raise _unsupported(uri, scheme)


def _scheme(uri: str) -> str:
    return uri.partition("://")[0].lower()


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else get_settings()


def _local_path(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise SourceError(f"{uri}: a file:// URI must name a local file (file:///path)")
    return url2pathname(parts.path)


def _unsupported(uri: str, scheme: str) -> SourceError:
    return SourceError(
        f"{redact_url(uri)}: unsupported scheme {scheme}://; give a path, s3://bucket/key,"
        " s3://bucket/prefix/, an http(s):// URL or a file:// URI"
    )
