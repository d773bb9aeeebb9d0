"""Review API models (for the OpenAPI schema; handlers emit the same shape as orjson bytes)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from hotelreviews.core.pagination import PageFields


class TravellerType(StrEnum):
    solo = "solo"
    couple = "couple"
    family = "family"
    group = "group"
    business = "business"
    other = "other"


class ReviewSort(StrEnum):
    newest = "newest"
    oldest = "oldest"
    highest = "highest"
    lowest = "lowest"


class ProviderRef(BaseModel):
    id: int = Field(examples=[1])
    name: str | None = Field(examples=["Agoda"])


class HotelRef(BaseModel):
    id: int = Field(examples=[1])
    name: str = Field(examples=["Harbourfront Lantern Hotel"])


class Reviewer(BaseModel):
    country: str | None = Field(examples=["Singapore"])
    name: str | None = Field(examples=["*****"], description="Masked as the provider sent it.")
    review_count: int | None = Field(examples=[4])
    is_expert: bool | None = Field(examples=[False])


class HotelReply(BaseModel):
    """The hotel's answer to a review."""

    responder: str | None = Field(examples=["Guest Relations Manager"])
    text: str | None = Field(examples=["Thank you for staying with us."])
    date_text: str | None = Field(examples=["March 16, 2025"], description="As delivered.")


class FlagKind(StrEnum):
    cross_post = "cross_post"
    near_duplicate = "near_duplicate"
    suspicious_burst = "suspicious_burst"


class ReviewFlag(BaseModel):
    """What duplicate detection found this review to be. Flagged, never deleted."""

    kind: FlagKind = Field(
        description=(
            "cross_post: the later copy of one stay posted on two providers (counted once); "
            "near_duplicate: near-identical to another reviewer's review; suspicious_burst: "
            "one of several near-identical reviews for this hotel within days."
        )
    )
    message: str = Field(examples=["The same stay as posted on booking: count it once."])
    similarity: float = Field(
        ge=0, le=1, examples=[0.93], description="Estimated Jaccard similarity of the texts."
    )
    matches: list[int] = Field(examples=[[12]], description="Ids of the reviews it matched.")


class ReviewRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": 17,
                "provider": {"id": 1, "name": "Agoda"},
                "hotel": {"id": 3, "name": "Harbourfront Lantern Hotel"},
                "provider_review_id": "70000001",
                "rating": 8.8,
                "rating_scale": 10.0,
                "rating_normalized": 8.8,
                "title": "Lovely stay by the water",
                "text": "Room facing the bay was quiet and spotless.",
                "positives": None,
                "negatives": None,
                "language": "en",
                "review_date": "2025-03-14T01:12:00+00:00",
                "review_date_local": "2025-03-14T09:12:00+08:00",
                "review_date_offset_minutes": 480,
                "review_date_offset_missing": False,
                "stay_month": "2025-03-01",
                "traveller_type": "couple",
                "room_type": "Deluxe King",
                "length_of_stay": 3,
                "reviewer": {
                    "country": "Singapore",
                    "name": "*****",
                    "review_count": 4,
                    "is_expert": False,
                },
                "has_response": False,
                "response": None,
                "aspects": {},
                "first_seen_at": "2025-03-16T08:00:00+00:00",
                "last_changed_at": "2025-03-16T08:00:00+00:00",
                "flags": [
                    {
                        "kind": "cross_post",
                        "message": "The same stay as posted on booking: count it once.",
                        "similarity": 0.93,
                        "matches": [12],
                    }
                ],
            }
        }
    )

    id: int
    provider: ProviderRef
    hotel: HotelRef
    provider_review_id: str
    rating: float = Field(description="As delivered, on the provider's scale.")
    rating_scale: float = Field(examples=[10.0, 5.0])
    rating_normalized: float = Field(description="On the 10-point scale.")
    title: str | None
    text: str | None
    positives: str | None
    negatives: str | None
    language: str | None = Field(examples=["en"])
    review_date: datetime = Field(description="UTC.")
    review_date_local: datetime = Field(description="The same instant at the provider's offset.")
    review_date_offset_minutes: int = Field(examples=[480])
    review_date_offset_missing: bool = Field(
        description="True when the provider sent no offset and UTC was assumed."
    )
    stay_month: date | None = Field(description="First day of the month of stay.")
    traveller_type: TravellerType | None
    room_type: str | None
    length_of_stay: int | None
    reviewer: Reviewer
    has_response: bool
    response: HotelReply | None
    aspects: dict[str, float] = Field(
        examples=[{"cleanliness": 10.0, "value": 7.0}],
        description="Aspect ratings on the 10-point scale.",
    )
    first_seen_at: datetime
    last_changed_at: datetime
    flags: list[ReviewFlag] = Field(
        description="Duplicate detection's flags (empty when none): shown, never deleted."
    )


class ReviewPage(PageFields):
    items: list[ReviewRead]
