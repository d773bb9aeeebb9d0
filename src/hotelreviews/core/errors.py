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


class InvalidCursor(DomainError):
    """A pagination cursor that we did not issue, was garbled, or belongs to another listing."""

    code = "invalid_cursor"

    def __init__(self, message: str = "the cursor is not valid for this listing") -> None:
        super().__init__(message)
