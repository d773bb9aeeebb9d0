"""s3:// sources through boto3: object metadata, streamed reads and prefix listings.

Credentials and region come from boto3's default chain (environment, shared config and
credentials files, container or instance roles); `HOTELREVIEWS_S3_ENDPOINT_URL` points at any
S3-compatible store (boto3's own AWS_ENDPOINT_URL works too).

Identity, for "already ingested": an object stored with a full-object SHA-256 checksum is
identified by that digest — the sha256 a local copy of the same bytes gets, so the same
content is recognised wherever it comes from. Otherwise by its location, ETag and size
("s3-etag:…"): an ETag is not always an MD5 of the bytes (multipart uploads, SSE-KMS,
other stores) but stays the same until the object is written again. The same content under
another key is then ingested again, which changes nothing: reviews are upserted by their
provider's key, so every review counts as unchanged.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hotelreviews.ingestion.sources.egress import SourcePolicy, SourceRefused
from hotelreviews.ingestion.sources.errors import SourceError, SourceUnavailable
from hotelreviews.ingestion.sources.remote import RemoteSource, check_sample, identity
from hotelreviews.ingestion.sources.sniffing import SNIFF_BYTES
from hotelreviews.ingestion.sources.source import REVIEW_SUFFIXES

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

_SUFFIXES = ", ".join("*" + suffix for suffix in REVIEW_SUFFIXES)
# Worth a later retry (botocore has already retried these a few times by then).
_TRANSIENT_CODES = {
    "InternalError",
    "ServiceUnavailable",
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
}


@dataclass(frozen=True, slots=True)
class S3Object:
    """One object under a prefix, as listed (nothing read)."""

    uri: str
    bucket: str
    key: str
    size: int
    etag: str
    last_modified: datetime


def parse_uri(uri: str) -> tuple[str, str]:
    """(bucket, key or prefix) of s3://bucket/key; the key may be empty."""
    scheme, _, rest = uri.partition("://")
    bucket, _, key = rest.partition("/")
    if scheme.lower() != "s3" or not bucket:
        raise SourceError(f"{uri}: expected s3://bucket/key or s3://bucket/prefix/")
    return bucket, key


def open_object(uri: str, *, settings: Settings) -> RemoteSource:
    """One object: its metadata and first bytes now, its body when the lines are read."""
    bucket, key = parse_uri(uri)
    if not key or key.endswith("/"):
        raise SourceError(
            f"{uri}: is a prefix, expected an object (s3://bucket/key); give it to"
            " `hotelreviews ingest`, which ingests every review file under a prefix"
        )
    _check_policy(bucket, key, settings)
    client = client_for(settings)
    try:
        head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        size, etag = head["ContentLength"], head["ETag"]
        sample = b""
        if size:
            response = client.get_object(
                Bucket=bucket, Key=key, IfMatch=etag, Range=f"bytes=0-{SNIFF_BYTES - 1}"
            )
            sample = response["Body"].read()
    except Exception as error:
        raise _translate(error, uri, client=client, bucket=bucket) from error

    def open_stream() -> _ObjectStream:
        return _ObjectStream(client, uri=uri, bucket=bucket, key=key, etag=etag, size=size)

    return RemoteSource(
        uri=uri,
        size=size,
        checksum=_checksum(uri, head),
        compressed=check_sample(uri, sample),
        open_stream=open_stream,
    )


def expand(uri: str, *, settings: Settings) -> list[str]:
    """s3://bucket/key as given when the object exists; otherwise s3://bucket/prefix/ (and a
    key that is not an object, taken as a folder: key + "/") as its review files, sorted."""
    bucket, key = parse_uri(uri)
    _check_policy(bucket, key, settings)
    not_an_object = bool(key) and not key.endswith("/")
    if not_an_object:
        if _exists(uri, bucket, key, settings):
            return [uri]
        key += "/"
    found = [listed.uri for listed in _listing(bucket, key, settings=settings, named=uri)]
    if found:
        return found
    if not_an_object:
        raise SourceError(f"{uri}: no such object, and no review files ({_SUFFIXES}) under it")
    raise SourceError(f"{uri}: no review files ({_SUFFIXES}) under this prefix")


def list_objects(prefix_uri: str, *, settings: Settings | None = None) -> list[S3Object]:
    """The review files (*.jl, *.jsonl, *.jl.gz, *.jsonl.gz) whose keys start with the URI's
    prefix, as S3 matches prefixes (s3://b/feeds/ for a folder), sorted by key."""
    return list(iter_objects(prefix_uri, settings=settings))


def iter_objects(prefix_uri: str, *, settings: Settings | None = None) -> Iterator[S3Object]:
    """list_objects, one page (1,000 keys) at a time: S3 lists keys in order."""
    if settings is None:
        from hotelreviews.core.settings import get_settings

        settings = get_settings()
    bucket, prefix = parse_uri(prefix_uri)
    return _listing(bucket, prefix, settings=settings, named=prefix_uri)


def _listing(bucket: str, prefix: str, *, settings: Settings, named: str) -> Iterator[S3Object]:
    """The review files under `prefix`; errors name `named` (the URI as the user gave it)."""
    client = client_for(settings)
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", ()):
                if item["Key"].endswith(REVIEW_SUFFIXES):
                    yield S3Object(
                        uri=f"s3://{bucket}/{item['Key']}",
                        bucket=bucket,
                        key=item["Key"],
                        size=item["Size"],
                        etag=item["ETag"],
                        last_modified=item["LastModified"],
                    )
    except Exception as error:
        raise _translate(error, named, client=client, bucket=bucket) from error


class _ObjectStream:
    """The object's body from its first byte, as long as it is still the version opened."""

    def __init__(self, client: Any, *, uri: str, bucket: str, key: str, etag: str, size: int):
        self._uri, self._size, self._done = uri, size, 0
        try:
            # If-Match: an object replaced since it was opened fails instead of mixing versions.
            self._body = client.get_object(Bucket=bucket, Key=key, IfMatch=etag)["Body"]
        except Exception as error:
            raise _translate(error, uri, client=client, bucket=bucket) from error

    def read(self, size: int = -1, /) -> bytes:
        try:
            data = self._body.read(size if size >= 0 else None)
        except Exception as error:
            if not _is_transport_error(error):
                raise
            raise SourceUnavailable(
                f"{self._uri}: the connection to S3 failed after {self._done:,} of"
                f" {self._size:,} bytes ({error}); run again: ingestion resumes after the"
                " last committed line"
            ) from error
        self._done += len(data)
        return data

    def close(self) -> None:
        self._body.close()


def _checksum(uri: str, head: dict[str, Any]) -> str:
    sha256 = head.get("ChecksumSHA256")
    # A composite checksum (multipart upload: "…-N") is a digest of digests, not of the bytes.
    if sha256 and "-" not in sha256 and head.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT":
        return base64.b64decode(sha256).hex()
    return identity("s3-etag", uri, head["ETag"], str(head["ContentLength"]))


def _exists(uri: str, bucket: str, key: str, settings: Settings) -> bool:
    client = client_for(settings)
    try:
        client.head_object(Bucket=bucket, Key=key)
    except Exception as error:
        if _error_code(error) in ("404", "NoSuchKey", "NotFound"):
            return False
        raise _translate(error, uri, client=client, bucket=bucket) from error
    return True


def _check_policy(bucket: str, key: str, settings: Settings) -> None:
    """SourceError unless the source policy allows this bucket and key (egress.py); checked
    when a source is opened, so a job queued before the policy changed is refused too."""
    try:
        SourcePolicy.from_settings(settings).check_s3(bucket, key)
    except SourceRefused as error:
        raise SourceError(str(error)) from None


def client_for(settings: Settings) -> Any:
    return _client(
        settings.s3_endpoint_url,
        settings.s3_region,
        settings.source_connect_timeout_seconds,
        settings.remote_timeout_seconds,
    )


@lru_cache(maxsize=8)
def _client(
    endpoint_url: str | None, region: str | None, connect_timeout: float, timeout: float
) -> Any:
    """One client per configuration: building one loads the service model (~50 ms), and a
    client is safe to share between threads. Retries are boto3's, configured the standard
    way (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS, ~/.aws/config)."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=timeout,
        # S3-compatible stores (MinIO, Ceph, moto) answer on one host: bucket in the path.
        s3={"addressing_style": "path"} if endpoint_url else None,
        user_agent_extra="hotelreviews",
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config
    )


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _is_transport_error(error: BaseException) -> bool:
    from botocore.exceptions import BotoCoreError
    from urllib3.exceptions import HTTPError

    return isinstance(error, BotoCoreError | HTTPError | OSError)


def _translate(error: Exception, uri: str, *, client: Any, bucket: str) -> SourceError:
    """A SourceError that names the URI, the cause and what to do."""
    from botocore import exceptions as boto

    if isinstance(error, SourceError):
        return error
    if isinstance(error, boto.NoCredentialsError | boto.PartialCredentialsError):
        return SourceError(
            f"{uri}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,"
            " or AWS_PROFILE, or run where an instance or container role is available"
        )
    if isinstance(error, boto.ParamValidationError):
        return SourceError(f"{uri}: not a valid S3 location ({error})")
    if not isinstance(error, boto.ClientError):
        if _is_transport_error(error):
            endpoint = client.meta.endpoint_url
            return SourceUnavailable(
                f"{uri}: cannot reach S3 at {endpoint} ({error}); check the network (and"
                " HOTELREVIEWS_S3_ENDPOINT_URL for another store), then run again"
            )
        raise error
    code = _error_code(error) or "?"
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    not_found = code in ("404", "NotFound")
    if code == "NoSuchBucket" or (not_found and not _bucket_exists(client, bucket)):
        return SourceError(
            f"{uri}: bucket {bucket} does not exist; check its name (and the endpoint:"
            f" {client.meta.endpoint_url})"
        )
    if code in ("NoSuchKey", "404", "NotFound"):
        return SourceError(f"{uri}: no such object; check the key (aws s3 ls lists a prefix)")
    if code in ("AccessDenied", "403", "Forbidden", "AllAccessDisabled"):
        return SourceError(
            f"{uri}: access denied; check that the credentials in use may read it"
            " (s3:GetObject) and list the bucket (s3:ListBucket) — without list permission,"
            " S3 also answers 403 for a missing key"
        )
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"):
        return SourceError(f"{uri}: S3 refused the credentials ({code}); check or renew them")
    if code in ("PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraint"):
        return SourceError(
            f"{uri}: the bucket is in another region ({code}); set AWS_REGION or"
            " HOTELREVIEWS_S3_REGION to its region"
        )
    if code in ("InvalidObjectState",):
        return SourceError(f"{uri}: the object is archived (Glacier); restore it first")
    if code in ("PreconditionFailed", "412"):
        return SourceUnavailable(
            f"{uri}: the object was replaced while it was being read; run again to ingest"
            " its new version"
        )
    message = error.response.get("Error", {}).get("Message") or ""
    if code in _TRANSIENT_CODES or (status or 0) >= 500:
        return SourceUnavailable(f"{uri}: S3 answered {code} (HTTP {status}); try again later")
    return SourceError(f"{uri}: S3 answered {code} (HTTP {status}): {message}")


def _bucket_exists(client: Any, bucket: str) -> bool:
    """Whether a 404 was the bucket's (HEAD responses carry no error code to tell)."""
    try:
        client.head_bucket(Bucket=bucket)
    except Exception as error:
        return _error_code(error) not in ("404", "NoSuchBucket", "NotFound")
    return True
