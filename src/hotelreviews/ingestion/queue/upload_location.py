"""Where uploads are stored, decided from the settings alone: the API stores there, and the
worker's folder discovery leaves it out.

An uploaded file is queued by the request that uploaded it. Discovery lists the folders and
prefixes the worker polls and queues each new (URI, size and time) it finds, which a file
queued through the API is not (the API records no such identity): left in a polled folder, an
upload would be queued a second time and found a duplicate by its checksum only after the
worker read it whole. So discovery skips the uploads location, the one place only uploads go.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hotelreviews.core.errors import InvalidUpload
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.uris import local_roots
from hotelreviews.ingestion.sources.egress import SourcePolicy, SourceRefused

# Inside the first local folder the worker polls. Hidden: nobody drops a feed into it by
# mistake (discovery never lists it), and a listing of the inbox shows the feeds dropped there.
UPLOADS_FOLDER = ".uploads"


@dataclass(frozen=True, slots=True)
class UploadLocation:
    """A local folder (`folder`) or an S3 prefix (`s3_uri`, s3://bucket/prefix/)."""

    folder: Path | None = None
    s3_uri: str | None = None


def upload_location(settings: Settings) -> UploadLocation | None:
    """Where this server stores uploads; None when it has nowhere the worker reads."""
    if settings.upload_s3_uri:
        uri = settings.upload_s3_uri
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        return UploadLocation(s3_uri=f"s3://{bucket}/{prefix}")
    roots = local_roots(settings.worker_sources)
    if not roots:
        return None
    return UploadLocation(folder=roots[0] / UPLOADS_FOLDER)


def required_location(settings: Settings) -> UploadLocation:
    """upload_location, or InvalidUpload saying what to configure."""
    location = upload_location(settings)
    if location is None:
        raise InvalidUpload(
            "body",
            "uploads are not accepted by this server: it has no local folder the worker polls "
            "(HOTELREVIEWS_WORKER_SOURCES) and no uploads bucket (HOTELREVIEWS_UPLOAD_S3_URI)",
        )
    return location


def check_upload_location(settings: Settings) -> None:
    """Refuse to start with an uploads bucket the worker may not read (ValueError)."""
    if not settings.upload_s3_uri:
        return
    location = upload_location(settings)
    assert location is not None and location.s3_uri is not None
    bucket, _, prefix = location.s3_uri.removeprefix("s3://").partition("/")
    try:
        SourcePolicy.from_settings(settings).check_s3(bucket, f"{prefix}upload.jl")
    except SourceRefused as error:
        raise ValueError(
            f"HOTELREVIEWS_UPLOAD_S3_URI: the worker may not read uploads stored there ({error});"
            " add the bucket (or its prefix) to HOTELREVIEWS_SOURCE_ALLOWED_S3"
        ) from None
