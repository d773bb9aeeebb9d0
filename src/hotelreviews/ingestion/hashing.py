"""Content hash of a review: tells an unchanged re-delivery from an edited one."""

from __future__ import annotations

from hashlib import blake2b
from operator import itemgetter
from typing import Any

import orjson

from hotelreviews.ingestion.records import NormalizedReview

# The review's own content only. Hotel attributes and provider standings are left out on
# purpose: they change daily without the review changing. Bump the version tag whenever
# this list or its serialisation changes, so old and new hashes never compare equal.
_HASH_VERSION = "v1"
_CONTENT_FIELDS = (
    "provider",
    "provider_review_id",
    "rating",
    "title",
    "text",
    "positives",
    "negatives",
    "language",
    "review_date",
    "review_date_offset_minutes",
    "review_date_offset_missing",
    "stay_month",
    "traveller_type",
    "room_type",
    "length_of_stay",
    "reviewer_country",
    "reviewer_name",
    "reviewer_review_count",
    "reviewer_is_expert",
    "response",
    "aspects",
)
_pick_content = itemgetter(*_CONTENT_FIELDS)


def content_hash(fields: dict[str, Any]) -> str:
    """Hex blake2b-128 of the canonical JSON of a review's own content fields."""
    values = list(_pick_content(fields))
    values[0] = values[0].key  # the provider's key, not its display name or scale
    payload = orjson.dumps((_HASH_VERSION, values), option=orjson.OPT_SORT_KEYS)
    return blake2b(payload, digest_size=16).hexdigest()


def build_review(fields: dict[str, Any]) -> NormalizedReview:
    """Create the NormalizedReview for `fields` with its content hash filled in."""
    return NormalizedReview(**fields, content_hash=content_hash(fields))
