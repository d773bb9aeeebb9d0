"""Listing the worker's sources: the review files in local folders and under S3 prefixes.

Each file is listed with an identity of its current version — size and modification time
for a local file, ETag and size for an S3 object — so a poll queues new files and new
versions of files, and nothing twice. Reading the bytes (checksums) is left to the job.

Only regular files are listed. A symbolic link is listed only if it leads to a file inside
the folder: anyone who can write to the folder could otherwise have the worker read any file
it can (/etc/passwd, a key) and show its lines as rejected excerpts. A link leading out is
logged once and never queued; the job opening a listed file checks again (local_files).

Uploads are never listed: the request that uploaded a file queued it (queue.upload_location).
"""

from __future__ import annotations

import logging
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.upload_location import upload_location
from hotelreviews.ingestion.queue.uris import MAX_URI_LENGTH, QueuedSource
from hotelreviews.ingestion.sources import s3
from hotelreviews.ingestion.sources.errors import SourceError
from hotelreviews.ingestion.sources.local_files import why_outside
from hotelreviews.ingestion.sources.remote import display_name
from hotelreviews.ingestion.sources.source import REVIEW_SUFFIXES

logger = logging.getLogger("hotelreviews.worker")
# Paths already logged as refused, so a poll every few seconds does not repeat the warning.
_REFUSED_LOGGED: set[str] = set()
_REFUSED_LOGGED_MAX = 10_000


@dataclass(frozen=True, slots=True)
class ListedFile:
    source: QueuedSource
    identity: str
    size: int


def list_source(source: str, *, settings: Settings) -> list[ListedFile]:
    """The review files of one configured source, sorted; SourceError if it can't be listed."""
    uploads = upload_location(settings)
    if source.startswith("s3://"):
        skipped = uploads.s3_uri if uploads is not None else None
        return [
            file
            for file in _s3_objects(source, settings)
            if skipped is None or not file.source.uri.startswith(skipped)
        ]
    if "://" in source and not source.startswith("file://"):
        raise SourceError(
            f"{source}: a worker source is a local folder or an s3://bucket/prefix/ URI"
        )
    folder = Path(source.removeprefix("file://")).resolve()
    if not folder.is_dir():
        raise SourceError(f"{source}: no such folder")
    skipped = uploads.folder if uploads is not None else None
    return _settled_files(folder, settle_seconds=settings.worker_settle_seconds, skipped=skipped)


def _settled_files(
    folder: Path, *, settle_seconds: float, skipped: Path | None = None
) -> list[ListedFile]:
    """Review files in `folder` (recursively, but for the folder `skipped`) unchanged for
    `settle_seconds`: a file still being written is left for a later poll."""
    listed = []
    settled_before = time.time() - settle_seconds
    for root, dirs, names in os.walk(folder):
        dirs[:] = [name for name in dirs if Path(root, name) != skipped]
        for name in sorted(names):
            if not name.endswith(REVIEW_SUFFIXES):
                continue
            path = Path(root, name)
            try:
                status = _listable(path, folder)
            except OSError:  # removed since the walk saw it
                continue
            if status is None or status.st_mtime > settled_before:
                continue
            uri = path.as_uri()
            if len(uri) > MAX_URI_LENGTH:
                continue
            source = QueuedSource(uri=uri, shown_uri=uri, display_name=str(path), target=str(path))
            identity = f"size:{status.st_size}:mtime_ns:{status.st_mtime_ns}"
            listed.append(ListedFile(source=source, identity=identity, size=status.st_size))
    return sorted(listed, key=lambda file: file.source.uri)


def _listable(path: Path, folder: Path) -> os.stat_result | None:
    """The status of the file `path` names, or None when it is not to be queued: not a
    regular file, or a symbolic link leading out of `folder` (logged once)."""
    if path.is_symlink():
        problem = why_outside(path, [folder])
        if problem is not None:
            _log_refusal(f"refused: {problem}")
            return None
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        _log_refusal(f"refused: {path} is not a regular file (a pipe, socket or device?)")
        return None
    return status


def _log_refusal(message: str) -> None:
    if message in _REFUSED_LOGGED:
        return
    if len(_REFUSED_LOGGED) >= _REFUSED_LOGGED_MAX:
        _REFUSED_LOGGED.clear()
    _REFUSED_LOGGED.add(message)
    logger.warning("%s", message)


def _s3_objects(prefix: str, settings: Settings) -> list[ListedFile]:
    return [
        ListedFile(
            source=QueuedSource(
                uri=item.uri,
                shown_uri=item.uri,
                display_name=display_name(item.uri),
                target=item.uri,
            ),
            identity=f"etag:{_unquoted(item.etag)}:size:{item.size}",
            size=item.size,
        )
        for item in s3.iter_objects(prefix, settings=settings)
        if len(item.uri) <= MAX_URI_LENGTH
    ]


def _unquoted(etag: str) -> str:
    return etag.strip('"')
