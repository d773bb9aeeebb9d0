"""Listing the worker's sources: the review files in local folders and under S3 prefixes.

Each file is listed with an identity of its current version — size and modification time
for a local file, ETag and size for an S3 object — so a poll queues new files and new
versions of files, and nothing twice. Reading the bytes (checksums) is left to the job.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.sources import REVIEW_SUFFIXES, SourceError
from hotelreviews.jobs.uris import MAX_URI_LENGTH, QueuedSource


@dataclass(frozen=True, slots=True)
class ListedFile:
    source: QueuedSource
    identity: str
    size: int


def list_source(source: str, *, settings: Settings) -> list[ListedFile]:
    """The review files of one configured source, sorted; SourceError if it can't be listed."""
    if source.startswith("s3://"):
        return _s3_objects(source, settings)
    if "://" in source and not source.startswith("file://"):
        raise SourceError(
            f"{source}: a worker source is a local folder or an s3://bucket/prefix/ URI"
        )
    folder = Path(source.removeprefix("file://")).resolve()
    if not folder.is_dir():
        raise SourceError(f"{source}: no such folder")
    return _settled_files(folder, settle_seconds=settings.worker_settle_seconds)


def _settled_files(folder: Path, *, settle_seconds: float) -> list[ListedFile]:
    """Review files in `folder` (recursively) unchanged for `settle_seconds`: a file still
    being written is left for a later poll."""
    listed = []
    settled_before = time.time() - settle_seconds
    for root, _dirs, names in os.walk(folder):
        for name in sorted(names):
            if not name.endswith(REVIEW_SUFFIXES):
                continue
            path = Path(root, name)
            try:
                stat = path.stat()
            except OSError:  # removed since the walk saw it
                continue
            if stat.st_mtime > settled_before:
                continue
            uri = path.as_uri()
            if len(uri) > MAX_URI_LENGTH:
                continue
            source = QueuedSource(uri=uri, shown_uri=uri, display_name=str(path), target=str(path))
            identity = f"size:{stat.st_size}:mtime_ns:{stat.st_mtime_ns}"
            listed.append(ListedFile(source=source, identity=identity, size=stat.st_size))
    return sorted(listed, key=lambda file: file.source.uri)


def _s3_objects(prefix: str, settings: Settings) -> list[ListedFile]:
    from hotelreviews.ingestion import s3
    from hotelreviews.ingestion.remote import display_name

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
