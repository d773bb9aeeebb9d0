"""Issue 13, item 1: a responder name alone is not a hotel response.

Agoda names the hotel as `responderName` on every review, with `isShowReviewResponse` false
and empty response fields when the hotel never answered. Such a review must store
has_response false and serve `"response": null`; an answer counts when it is shown or has
text, in the nested shape and in the flat shape's `metadata.hotel_response`. Migration 0009
corrects rows the old rule stored. On both backends.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import reviews
from hotelreviews.core import migrations
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.support.api_client import api_client, get_json
from tests.support.builders import Catalog

HOTEL = "Harbourfront Lantern Hotel"


def agoda_line(review_id: int, **comment: Any) -> dict[str, Any]:
    """A line shaped as Agoda exports it: the hotel named as responder on every review."""
    return {
        "hotelId": 5101,
        "platform": "Agoda",
        "hotelName": HOTEL,
        "comment": {
            "isShowReviewResponse": False,
            "hotelReviewId": review_id,
            "providerId": 332,
            "rating": 8.8,
            "reviewTitle": f"review {review_id}",
            "reviewComments": "Quiet room facing the bay.",
            "reviewDate": "2025-03-14T09:12:00+08:00",
            "translateSource": "en",
            "responderName": HOTEL,
            "responseDateText": "",
            "formattedResponseDate": "",
            "responseTranslateSource": "en",
            "reviewProviderText": "Agoda",
            **comment,
        },
    }


def flat_line(review_id: str, **metadata: Any) -> dict[str, Any]:
    return {
        "id": review_id,
        "hotel_id": "GH-SIN-01",
        "hotel_name": "Marina Crescent Hotel",
        "rating": 4.5,
        "title": f"review {review_id}",
        "comment": "Fast check-in.",
        "review_date": "2024-11-02T10:00:00Z",
        "source": "group-feed",
        "metadata": {"channel": "web", **metadata},
    }


UNANSWERED = agoda_line(70000001)
ANSWERED = agoda_line(
    70000002,
    isShowReviewResponse=True,
    responseText="Thank you for staying with us.",
    formattedResponseDate="March 16, 2025",
)
FLAT_ANSWERED = flat_line(
    "gh-1",
    hotel_response={"text": "Thank you, K.", "date": "2024-11-03", "responder": "Guest Relations"},
)
FLAT_EMPTY_ANSWER = flat_line("gh-2", hotel_response={"text": "", "responder": "Guest Relations"})


def write_lines(path: Path, lines: list[Any]) -> str:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return str(path)


async def ingest(engine: AsyncEngine, settings: Settings, path: Path, lines: list[Any]) -> None:
    report = await ingest_paths(engine=engine, settings=settings, paths=[write_lines(path, lines)])
    [file] = report.files
    assert file.status == "ingested" and file.counts.rejected == 0, file


async def stored(engine: AsyncEngine) -> dict[str, Any]:
    """has_response, responder and text of every stored review, by provider review id."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.select(
                reviews.c.provider_review_id,
                reviews.c.has_response,
                reviews.c.response_responder,
                reviews.c.response_text,
            )
        )
        return {row[0]: (bool(row[1]), row[2], row[3]) for row in rows}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


async def served(client: httpx.AsyncClient, **params: Any) -> dict[str, dict[str, Any]]:
    """Every review the API serves, by provider review id."""
    [hotel] = (await get_json(client, "/api/v1/hotels", q=HOTEL[:11]))["items"]
    body = await get_json(client, f"/api/v1/hotels/{hotel['id']}/reviews", limit=100, **params)
    return {item["provider_review_id"]: item for item in body["items"]}


async def test_an_agoda_review_the_hotel_never_answered_has_no_response(
    engine: AsyncEngine, settings: Settings, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await ingest(engine, settings, tmp_path / "agoda.jl", [UNANSWERED, ANSWERED])

    rows = await stored(engine)
    assert rows["70000001"] == (False, None, None)
    assert rows["70000002"] == (True, HOTEL, "Thank you for staying with us.")
    items = await served(client)
    assert items["70000001"]["has_response"] is False
    assert items["70000001"]["response"] is None
    assert items["70000002"]["has_response"] is True
    assert items["70000002"]["response"] == {
        "responder": HOTEL,
        "text": "Thank you for staying with us.",
        "date_text": "March 16, 2025",
    }


async def test_the_has_response_filter_returns_only_answered_reviews(
    engine: AsyncEngine, settings: Settings, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    shown_without_text = agoda_line(70000003, isShowReviewResponse=True)
    await ingest(
        engine, settings, tmp_path / "agoda.jl", [UNANSWERED, ANSWERED, shown_without_text]
    )

    assert set(await served(client, has_response="true")) == {"70000002", "70000003"}
    assert set(await served(client, has_response="false")) == {"70000001"}


async def test_a_flat_review_answered_in_metadata_hotel_response_has_a_response(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    lines = [FLAT_ANSWERED, FLAT_EMPTY_ANSWER, flat_line("gh-3")]
    await ingest(engine, settings, tmp_path / "feed.jsonl", lines)

    rows = await stored(engine)
    assert rows["gh-1"] == (True, "Guest Relations", "Thank you, K.")
    assert rows["gh-2"] == (False, None, None)
    assert rows["gh-3"] == (False, None, None)


async def test_migration_0009_clears_the_responses_the_old_rule_stored(
    engine: AsyncEngine, settings: Settings
) -> None:
    await asyncio.to_thread(migrations.downgrade, settings, "0008")
    catalog = Catalog(engine)
    agoda = await catalog.provider("Agoda")
    hotel = await catalog.hotel(HOTEL)
    when = datetime(2025, 3, 14, tzinfo=UTC)
    # As the old code stored an unanswered Agoda review, and an answered one.
    await catalog.review(
        hotel,
        agoda,
        rating=8.8,
        review_date=when,
        provider_review_id="old-unanswered",
        has_response=True,
        response_responder=HOTEL,
        response_text=None,
    )
    await catalog.review(
        hotel,
        agoda,
        rating=8.8,
        review_date=when,
        provider_review_id="old-answered",
        has_response=True,
        response_responder=HOTEL,
        response_text="Thank you.",
        response_date_text="March 16, 2025",
    )
    await engine.dispose()  # the migration runs on its own connection (SQLite: one writer)

    await asyncio.to_thread(migrations.upgrade, settings)

    rows = await stored(engine)
    assert rows["old-unanswered"] == (False, None, None)
    assert rows["old-answered"] == (True, HOTEL, "Thank you.")


async def test_reingesting_an_unanswered_review_after_the_migration_reports_it_unchanged(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    """Its content hash is the one the old code stored (tests/unit/test_issue13_01_…)."""
    await ingest(engine, settings, tmp_path / "first.jl", [UNANSWERED, ANSWERED])
    await asyncio.to_thread(migrations.downgrade, settings, "0008")
    async with engine.begin() as connection:  # the row as the old code stored it
        await connection.execute(
            reviews.update()
            .where(reviews.c.provider_review_id == "70000001")
            .values(has_response=True, response_responder=HOTEL)
        )
    await engine.dispose()
    await asyncio.to_thread(migrations.upgrade, settings)

    again = write_lines(tmp_path / "again.jl", [UNANSWERED, ANSWERED])
    report = await ingest_paths(engine=engine, settings=settings, paths=[again], force=True)
    [file] = report.files
    assert (file.counts.unchanged, file.counts.updated) == (2, 0)
    assert (await stored(engine))["70000001"] == (False, None, None)
