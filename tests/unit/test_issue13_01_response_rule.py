"""Issue 13, item 1: a hotel response exists when it is shown or has text, on both parse paths.

Also pins the content-hash choice: an unanswered Agoda line keeps the hash the old rule gave
it (migration 0009 corrected its stored row, so re-ingesting it is no update), while an
answer shown without text hashes differently (0009 cleared those; the next delivery restores
them).
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson
import pytest

from hotelreviews.ingestion.shapes.hashing import ReviewBasics, new_review
from hotelreviews.ingestion.shapes.parsing import parse_fast, parse_precise
from hotelreviews.ingestion.shapes.records import HotelResponse, NormalizedReview

HOTEL = "Harbourfront Lantern Hotel"


def agoda_line(**comment: Any) -> bytes:
    return orjson.dumps(
        {
            "hotelId": 5101,
            "hotelName": HOTEL,
            "comment": {
                "isShowReviewResponse": False,
                "hotelReviewId": 70000001,
                "providerId": 332,
                "rating": 8.8,
                "reviewDate": "2025-03-14T09:12:00+08:00",
                "responderName": HOTEL,
                "responseDateText": "",
                "formattedResponseDate": "",
                **comment,
            },
        }
    )


def flat_line(metadata: Any) -> bytes:
    return orjson.dumps(
        {
            "id": "gh-1",
            "hotel_id": "GH-SIN-01",
            "hotel_name": "Marina Crescent Hotel",
            "rating": 4.5,
            "comment": "Fast check-in.",
            "review_date": "2024-11-02T10:00:00Z",
            "metadata": metadata,
        }
    )


def both_paths(raw: bytes) -> NormalizedReview:
    precise = parse_precise(raw)
    fast = parse_fast(raw)
    assert isinstance(precise, NormalizedReview), precise
    assert fast == precise and fast.content_hash == precise.content_hash
    return precise


def hash_with_response(review: NormalizedReview, response: HotelResponse | None) -> str:
    """The content hash `review` would have if its response were `response` (the old rule)."""
    values = msgspec.structs.asdict(review)
    del values["content_hash"]
    basics = ReviewBasics(**{name: values.pop(name) for name in ReviewBasics.__struct_fields__})
    return new_review(basics, **{**values, "response": response}).content_hash


@pytest.mark.parametrize("answer_key", ["responseText", "hotelResponse"])
def test_an_agoda_answer_with_text_is_a_response(answer_key: str) -> None:
    review = both_paths(
        agoda_line(isShowReviewResponse=True, formattedResponseDate="March 16, 2025",
                   **{answer_key: "Thank you."})
    )  # fmt: skip
    assert review.response == HotelResponse(HOTEL, "Thank you.", "March 16, 2025")


@pytest.mark.parametrize("text", [None, ""])
def test_a_responder_name_alone_is_no_response(text: str | None) -> None:
    review = both_paths(agoda_line(responseText=text))
    assert review.response is None


def test_an_answer_the_provider_shows_is_a_response_even_without_text() -> None:
    review = both_paths(agoda_line(isShowReviewResponse=True))
    assert review.response == HotelResponse(HOTEL, None, None)


def test_an_unanswered_agoda_line_keeps_the_content_hash_the_old_rule_gave_it() -> None:
    review = both_paths(agoda_line())
    assert review.content_hash == hash_with_response(review, HotelResponse(HOTEL, None, None))


def test_an_answer_shown_without_text_hashes_apart_from_the_old_rule() -> None:
    review = both_paths(agoda_line(isShowReviewResponse=True))
    assert review.content_hash != hash_with_response(review, HotelResponse(HOTEL, None, None))
    assert review.content_hash != both_paths(agoda_line()).content_hash


def test_a_flat_answer_in_metadata_hotel_response_is_a_response() -> None:
    answer = {"text": "Thank you.", "date": "2024-11-03", "responder": "Guest Relations"}
    review = both_paths(flat_line({"channel": "web", "hotel_response": answer}))
    assert review.response == HotelResponse("Guest Relations", "Thank you.", "2024-11-03")


@pytest.mark.parametrize(
    "metadata",
    [None, "web", {"hotel_response": {"text": "", "responder": "Guest Relations"}},
     {"hotel_response": "Thank you."}, {"hotel_response": {"text": 7}}],
)  # fmt: skip
def test_a_flat_line_without_answer_text_has_no_response(metadata: Any) -> None:
    review = both_paths(flat_line(metadata))
    assert review.response is None
