"""Domain exceptions: services raise these, the API maps them to problem responses in one place.

Each carries a stable `code` that clients can branch on; the message is for people.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """Something asked for by id does not exist."""

    code = "not_found"
    resource = "resource"

    def __init__(self, identifier: object) -> None:
        super().__init__(f"{self.resource} {identifier} does not exist")
        self.identifier = identifier


class HotelNotFound(NotFound):
    code = "hotel_not_found"
    resource = "hotel"


class ReviewNotFound(NotFound):
    code = "review_not_found"
    resource = "review"


class IngestionNotFound(NotFound):
    code = "ingestion_not_found"
    resource = "ingestion"


class AlertNotFound(NotFound):
    code = "alert_not_found"
    resource = "alert"


class InvalidRequest(DomainError):
    """A request the API schema accepts but the service refuses (422), naming the field."""

    code = "invalid_request"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidSourceUri(InvalidRequest):
    code = "invalid_source_uri"

    def __init__(self, message: str) -> None:
        super().__init__("body.source_uri", message)


class IdempotencyKeyReused(InvalidRequest):
    """The Idempotency-Key was used before with a different request body, or by another
    identity (whose ingestion is then not named)."""

    code = "idempotency_key_reused"

    def __init__(self, key: str, ingestion_id: int | None) -> None:
        earlier = (
            "by another identity"
            if ingestion_id is None
            else f"(ingestion {ingestion_id}, with a different body)"
        )
        super().__init__(
            "header.idempotency-key",
            f"Idempotency-Key {key!r} was already used for another request {earlier}; "
            "use a new key for a new request",
        )


class InvalidUpload(InvalidRequest):
    """An upload refused for its name, its emptiness or this server's setup (422)."""

    code = "invalid_upload"


# Said by the edge (protection.sizes) and by the store, whichever sees the excess first.
UPLOAD_TOO_LARGE_ADVICE = (
    "an upload may hold at most that (HOTELREVIEWS_UPLOAD_MAX_BYTES): split the file, gzip it, "
    "or put it in S3 and queue its s3:// URI; nothing was stored or queued"
)


class UploadTooLarge(DomainError):
    """An upload with more bytes than one may hold (413), coded as the edge codes it."""

    code = "body_too_large"

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            f"the request body is larger than {max_bytes} bytes: {UPLOAD_TOO_LARGE_ADVICE}"
        )


class UnsupportedUploadType(DomainError):
    """An upload whose Content-Type is not one of JSON Lines (415)."""

    code = "unsupported_media_type"


class InvalidCursor(DomainError):
    """A pagination cursor that we did not issue, was garbled, or belongs to another listing."""

    code = "invalid_cursor"

    def __init__(self, message: str = "the cursor is not valid for this listing") -> None:
        super().__init__(message)


class SearchTooBroad(InvalidRequest):
    """A search holding more words than one search may (each is a posting list to merge)."""

    code = "search_too_broad"

    def __init__(self, words: int, max_words: int) -> None:
        super().__init__(
            "query.q",
            f"a search may hold at most {max_words} words (those in quoted phrases and "
            f"-exclusions count too); this one holds {words}: search for fewer words",
        )


class TryAgainLater(DomainError):
    """Refused for now, not for what was asked: the same request may succeed later
    (answered with Retry-After)."""

    code = "try_again_later"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class QueryTimeout(TryAgainLater):
    """A read ran past the statement timeout and the database cancelled it."""

    code = "query_timeout"

    def __init__(self, timeout_seconds: float) -> None:
        super().__init__(
            f"the query took longer than {timeout_seconds:g} s and was cancelled; try again "
            "later, or narrow it (fewer words, a hotel, filters, no include_total)",
            retry_after_seconds=5,
        )


class TooManyExpensiveRequests(TryAgainLater):
    """This client already has as many expensive requests (search, totals) running as it may."""

    code = "too_many_expensive_requests"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"at most {limit} searches or include_total requests may run at once per client; "
            "wait for yours to finish",
            retry_after_seconds=1,
        )


class ExpensiveRequestsBusy(TryAgainLater):
    """The process runs as many expensive requests as it may (the rest of the pool is kept
    for cheap reads)."""

    code = "expensive_requests_busy"

    def __init__(self) -> None:
        super().__init__(
            "the server is running as many searches and include_total requests as it may; "
            "try again shortly",
            retry_after_seconds=2,
        )


class UploadStoreUnavailable(TryAgainLater):
    """The store uploads go to (S3) failed while an upload was written to it."""

    code = "upload_store_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "the upload could not be stored (the uploads bucket failed; the server logged "
            "why): nothing was kept or queued; send it again shortly",
            retry_after_seconds=10,
        )
