"""Similar hotels and recommendations on both backends: the runner keeps each hotel's ratings
per traveller type and term bag right as batches commit (new, edited, crash, resynchronised);
GET /hotels/{id}/similar, /recommendations, /recommendations/traveller-types and
/recommendations/for-reviewer answer from them: learned weights follow the ratings, filters,
pages, 404/422, public access.

The planted city: eight hotels in Springfield whose reviews all say how good the wifi and the
breakfast are (hotel h: wifi good when h is odd, breakfast good when h // 2 is odd; hotels h
and h + 4 are twins, down to a theme of their own), rated by business travellers on the wifi
alone and by families on the breakfast alone. Two Shelbyville hotels copy Springfield 1.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.hotels.tables import hotels
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.intelligence.recommend.schemas import (
    RecommendationPage,
    ReviewerRecommendationPage,
    SimilarHotelsRead,
    TravellerTypesRead,
)
from hotelreviews.intelligence.recommend.tables import hotel_tastes
from hotelreviews.intelligence.runner import catch_up
from hotelreviews.intelligence.runner.tables import intelligence_progress
from hotelreviews.reviews.tables import reviews
from tests.support.api_client import api_client, api_key_headers
from tests.support.builders import Catalog

START = datetime(2025, 1, 6, 10, tzinfo=UTC)
THEMES = (
    "A rooftop terrace above the harbour lights.",
    "Vineyard views from the garden courtyard.",
    "Next to the cathedral square and its market.",
    "A beach promenade with surfboards for hire.",
)


class Crash(Exception):
    """Raised inside the runner's transaction, as a process dying there would end it."""


def _wifi_good(hotel: int) -> bool:
    return hotel % 2 == 1


def _food_good(hotel: int) -> bool:
    return (hotel // 2) % 2 == 1


def _line(
    hotel: int, n: int, *, trip: str, rating: float, reviewer: str, country: str | None = "UK"
) -> dict[str, Any]:
    city, external = ("Shelbyville", f"SHE-{hotel}") if hotel >= 10 else ("Springfield", "")
    pattern = 1 if hotel >= 10 else hotel  # the Shelbyville hotels copy Springfield 1
    line: dict[str, Any] = {
        "id": f"rec-{hotel:02d}-{n:03d}",
        "hotel_id": external or f"SPR-{hotel}",
        "hotel_name": f"{city} Hotel {hotel}",
        "hotel_city": city,
        "hotel_star_rating": 3,
        "rating": rating,
        "title": "Stay",
        "comment": (
            f"The wifi was {'fast and reliable' if _wifi_good(pattern) else 'slow and dropping'}."
            f" The breakfast was {'delicious' if _food_good(pattern) else 'awful'}."
            f" {THEMES[pattern % 4]}"
        ),
        "review_date": (START + timedelta(days=n, hours=hotel)).isoformat(),
        "trip_type": trip,
        "language": "en",
        "reviewer_name": reviewer,
        "source": "group-feed",
    }
    if country is not None:
        line["reviewer_country"] = country
    return line


def planted_lines() -> list[dict[str, Any]]:
    """12 business, 12 family and 3 couple reviews per Springfield hotel, 6 per Shelbyville
    hotel, and two named reviewers: K. Tan (business, three Springfield hotels) and a lone
    rider without a country (one review)."""
    lines = []
    for hotel in [*range(8), 10, 11]:
        pattern = hotel if hotel < 10 else 1
        wifi, food = _wifi_good(pattern), _food_good(pattern)
        count = 12 if hotel < 10 else 2
        for n in range(count):
            jitter = (n % 3) * 0.1
            lines.append(
                _line(hotel, n, trip="business", rating=(4.6 if wifi else 2.0) - jitter,
                      reviewer=f"Guest B{hotel}-{n}")
            )  # fmt: skip
            lines.append(
                _line(hotel, 100 + n, trip="family", rating=(4.6 if food else 2.0) - jitter,
                      reviewer=f"Guest F{hotel}-{n}")
            )  # fmt: skip
        for n in range(3 if hotel < 10 else 2):
            lines.append(_line(hotel, 200 + n, trip="couple", rating=3.5, reviewer=f"C{hotel}-{n}"))
    for n, hotel in enumerate((1, 2, 4)):
        rating = 4.8 if _wifi_good(hotel) else 1.8
        lines.append(
            _line(hotel, 300 + n, trip="business", rating=rating, reviewer="K. Tan",
                  country="Singapore")
        )  # fmt: skip
    lines.append(_line(6, 400, trip="solo", rating=4.0, reviewer="Lone Rider", country=None))
    return lines


def write_feed(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


@pytest.fixture
async def planted(engine: AsyncEngine, settings: Settings, tmp_path: Path) -> dict[str, int]:
    """The planted feed ingested and caught up; hotel ids by external id."""
    feed = write_feed(tmp_path / "group_planted_2025-06-01.jsonl", planted_lines())
    await ingest_paths(engine=engine, settings=settings, paths=[str(feed)])
    await catch_up(engine=engine, settings=settings)
    async with engine.connect() as connection:
        rows = await connection.execute(sa.select(hotels.c.external_id, hotels.c.id))
        return {external: hotel_id for external, hotel_id in rows}


async def _tastes(engine: AsyncEngine) -> dict[int, Any]:
    async with engine.connect() as connection:
        rows = (await connection.execute(sa.select(hotel_tastes))).all()
    return {row.hotel_id: row for row in rows}


async def _expected_ratings(engine: AsyncEngine) -> dict[int, dict[str, list[float]]]:
    """Per hotel and traveller type, the count and sum of the stored reviews' ratings."""
    r = reviews.c
    statement = sa.select(
        r.hotel_id, r.traveller_type, sa.func.count(), sa.func.sum(r.rating_normalized)
    ).group_by(r.hotel_id, r.traveller_type)
    async with engine.connect() as connection:
        rows = (await connection.execute(statement)).all()
    expected: dict[int, dict[str, list[float]]] = {}
    for hotel_id, traveller_type, count, total in rows:
        expected.setdefault(hotel_id, {})[traveller_type or "unknown"] = [count, total]
    return expected


def _assert_ratings_match(stored: dict[int, Any], expected: dict[int, dict[str, list[float]]]):
    assert set(stored) == set(expected)
    for hotel_id, by_type in expected.items():
        row = stored[hotel_id]
        assert set(row.ratings) == set(by_type)
        for traveller_type, (count, total) in by_type.items():
            assert row.ratings[traveller_type][0] == count
            assert row.ratings[traveller_type][1] == pytest.approx(total, abs=1e-6)
        assert row.reviews == sum(count for count, _ in by_type.values())


async def test_the_runner_keeps_each_hotel_s_ratings_and_terms_as_batches_commit(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    lines = planted_lines()
    first = write_feed(tmp_path / "group_a_2025-06-01.jsonl", lines[: len(lines) // 2])
    second = write_feed(tmp_path / "group_b_2025-06-02.jsonl", lines[len(lines) // 2 :])
    await ingest_paths(engine=engine, settings=settings, paths=[str(first)])
    await catch_up(engine=engine, settings=settings)
    _assert_ratings_match(await _tastes(engine), await _expected_ratings(engine))

    await ingest_paths(engine=engine, settings=settings, paths=[str(second)])
    await catch_up(engine=engine, settings=settings)
    kept = await _tastes(engine)
    _assert_ratings_match(kept, await _expected_ratings(engine))
    some_hotel = next(iter(kept.values()))
    assert {"wifi", "breakfast"} <= set(some_hotel.terms)
    assert "the" not in some_hotel.terms

    # An edited review (rating and trip type changed) is taken out and put back.
    edited_lines = [dict(line) for line in lines[len(lines) // 2 :]]
    edited_lines[0].update(rating=1.0, trip_type="solo")
    edited = write_feed(tmp_path / "group_b_2025-06-03.jsonl", edited_lines)
    await ingest_paths(engine=engine, settings=settings, paths=[str(edited)])
    await catch_up(engine=engine, settings=settings)
    _assert_ratings_match(await _tastes(engine), await _expected_ratings(engine))

    # Rebuilt from the whole history, the rows come out the same.
    before = await _tastes(engine)
    async with engine.begin() as connection:
        await connection.execute(sa.delete(intelligence_progress))
    report = await catch_up(engine=engine, settings=settings)
    assert report.resynchronised is True
    rebuilt = await _tastes(engine)
    for hotel_id, row in rebuilt.items():
        assert row.ratings == before[hotel_id].ratings
        assert row.terms == before[hotel_id].terms  # far below the cut: exact


async def test_a_crash_mid_batch_leaves_the_tastes_as_they_were_and_a_rerun_counts_once(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    lines = planted_lines()
    await ingest_paths(
        engine=engine,
        settings=settings,
        paths=[str(write_feed(tmp_path / "group_a_2025-06-01.jsonl", lines[:100]))],
    )
    await catch_up(engine=engine, settings=settings)
    before = await _tastes(engine)
    await ingest_paths(
        engine=engine,
        settings=settings,
        paths=[str(write_feed(tmp_path / "group_b_2025-06-02.jsonl", lines[100:]))],
    )

    async def crash(connection: AsyncConnection) -> None:
        raise Crash

    with pytest.raises(Crash):
        await catch_up(engine=engine, settings=settings, in_batch=crash)
    assert await _tastes(engine) == before

    await catch_up(engine=engine, settings=settings)
    _assert_ratings_match(await _tastes(engine), await _expected_ratings(engine))


async def _get(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def _problem(client: httpx.AsyncClient, path: str, status: int, **params: Any) -> str:
    response = await client.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()["code"]  # type: ignore[no-any-return]


async def test_the_learned_weights_follow_the_ratings(
    client: httpx.AsyncClient, planted: dict[str, int]
) -> None:
    body = await _get(client, "/api/v1/recommendations/traveller-types")
    TravellerTypesRead.model_validate(body)
    by_type = {item["traveller_type"]: item for item in body["items"]}
    assert by_type["business"]["own_model"] is True
    assert by_type["business"]["top_aspects"][0] == "wifi"
    assert by_type["family"]["top_aspects"][0] == "food"
    assert by_type["couple"]["own_model"] is False  # 28 ratings: the pooled weights
    assert by_type["couple"]["ratings"] == 28
    assert by_type["all"]["own_model"] is True
    assert body["hotels"] == 10


async def test_a_city_is_ranked_for_what_each_traveller_type_rates_highly(
    client: httpx.AsyncClient, planted: dict[str, int]
) -> None:
    spring = {planted[f"SPR-{h}"]: h for h in range(8)}
    business = await _get(
        client, "/api/v1/recommendations", city="springfield", traveller_type="business"
    )
    RecommendationPage.model_validate(business)
    assert business["model"]["traveller_type"] == "business"
    assert business["model"]["top_aspects"][0] == "wifi"
    ranked = [spring[item["hotel_id"]] for item in business["items"]]
    assert sorted(ranked) == list(range(8))  # Springfield's only (the city matched as keyed)
    assert all(_wifi_good(h) for h in ranked[:4])
    assert "wifi" in business["items"][0]["why"]
    assert business["items"][0]["expected_rating"] > business["items"][-1]["expected_rating"]

    family = await _get(
        client, "/api/v1/recommendations", city="Springfield", traveller_type="family"
    )
    assert all(_food_good(spring[item["hotel_id"]]) for item in family["items"][:4])

    # Pages: keyset over the ranking, each hotel once, in the same order; a total on request.
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"city": "Springfield", "traveller_type": "business", "limit": 3}
        if cursor is not None:
            params["cursor"] = cursor
        page = await _get(client, "/api/v1/recommendations", **params)
        seen += [item["hotel_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [item["hotel_id"] for item in business["items"]]
    counted = await _get(
        client, "/api/v1/recommendations", city="Springfield", include_total="true", limit=2
    )
    assert (counted["total"], counted["total_exact"], len(counted["items"])) == (8, True, 2)
    assert counted["model"]["traveller_type"] == "all"

    nowhere = await _get(client, "/api/v1/recommendations", city="Atlantis")
    assert nowhere["items"] == [] and nowhere["next_cursor"] is None


async def test_similar_hotels_share_a_profile_and_a_theme(
    client: httpx.AsyncClient, planted: dict[str, int]
) -> None:
    one, twin = planted["SPR-1"], planted["SPR-5"]
    body = await _get(client, f"/api/v1/hotels/{one}/similar", limit=3)
    SimilarHotelsRead.model_validate(body)
    assert body["status"] == "scored"
    assert [item["hotel_id"] for item in body["items"]][0] == twin
    assert len(body["items"]) == 3
    assert one not in [item["hotel_id"] for item in body["items"]]
    assert all(item["city"] == "Springfield" for item in body["items"])
    first = body["items"][0]
    assert first["text_similarity"] > 0.9 and first["name"] == "Springfield Hotel 5"
    assert 0 <= first["reputation_index"] <= 100

    everywhere = await _get(client, f"/api/v1/hotels/{one}/similar", same_city="false", limit=50)
    cities = {item["city"] for item in everywhere["items"]}
    assert cities == {"Springfield", "Shelbyville"}
    assert len(everywhere["items"]) == 9


async def test_a_reviewer_with_a_history_gets_their_own_ranking_without_their_hotels(
    client: httpx.AsyncClient, planted: dict[str, int]
) -> None:
    stayed = {planted["SPR-1"], planted["SPR-2"], planted["SPR-4"]}
    body = await _get(
        client, "/api/v1/recommendations/for-reviewer", name="K. Tan", country="Singapore"
    )
    ReviewerRecommendationPage.model_validate(body)
    assert body["basis"] == "reviewer_history"
    assert body["reviewer"] == {
        "name": "K. Tan",
        "country": "Singapore",
        "reviews": 3,
        "traveller_type": "business",
    }
    assert body["city"] == "springfield"  # their latest review's
    ids = [item["hotel_id"] for item in body["items"]]
    assert len(ids) == 5 and not stayed & set(ids)
    assert sorted(body["weights"], key=lambda a: -body["weights"][a])[0] == "wifi"

    elsewhere = await _get(
        client,
        "/api/v1/recommendations/for-reviewer",
        name="K. Tan",
        country="Singapore",
        city="Shelbyville",
    )
    assert len(elsewhere["items"]) == 2

    lone = await _get(client, "/api/v1/recommendations/for-reviewer", name="Lone Rider")
    assert lone["basis"] == "traveller_type"
    assert lone["reviewer"]["country"] is None and lone["reviewer"]["traveller_type"] == "solo"
    assert planted["SPR-6"] not in [item["hotel_id"] for item in lone["items"]]


async def test_unknown_hotels_and_reviewers_are_404_and_bad_parameters_422(
    client: httpx.AsyncClient, planted: dict[str, int], engine: AsyncEngine
) -> None:
    assert await _problem(client, "/api/v1/hotels/999999/similar", 404) == "hotel_not_found"
    reviewer = "/api/v1/recommendations/for-reviewer"
    assert await _problem(client, reviewer, 404, name="Nobody") == "reviewer_not_found"
    # K. Tan exists only with a country.
    assert await _problem(client, reviewer, 404, name="K. Tan") == "reviewer_not_found"
    rec = "/api/v1/recommendations"
    assert await _problem(client, rec, 422) == "validation_failed"  # no city
    assert await _problem(client, rec, 422, city="X", traveller_type="pirate") == (
        "validation_failed"
    )
    assert await _problem(client, rec, 422, city="X", cursor="abcd") == "invalid_cursor"
    assert await _problem(client, rec, 422, city="X", limit=0) == "validation_failed"
    assert await _problem(client, rec, 422, city="X", sort="name") == "validation_failed"
    assert await _problem(client, reviewer, 422) == "validation_failed"  # no name
    similar = f"/api/v1/hotels/{planted['SPR-1']}/similar"
    assert await _problem(client, similar, 422, limit=51) == "validation_failed"

    # A hotel without reviews is there, but not scored: no similar hotels yet.
    empty = await Catalog(engine).hotel("Empty Inn", city="Springfield")
    body = await _get(client, f"/api/v1/hotels/{empty}/similar")
    assert (body["status"], body["items"]) == ("not_scored", [])


async def test_the_routes_are_public_and_cacheable(
    client: httpx.AsyncClient, planted: dict[str, int]
) -> None:
    paths = [
        f"/api/v1/hotels/{planted['SPR-1']}/similar",
        "/api/v1/recommendations?city=Springfield",
        "/api/v1/recommendations/traveller-types",
        "/api/v1/recommendations/for-reviewer?name=K.%20Tan&country=Singapore",
    ]
    headers = await api_key_headers(client, "analyst")
    for path in paths:
        anonymous = await client.get(path)
        assert anonymous.status_code == 200, anonymous.text
        assert "no-store" not in anonymous.headers["cache-control"]
        assert (await client.get(path, headers=headers)).status_code == 200


async def test_recommendations_follow_a_new_batch(
    client: httpx.AsyncClient,
    planted: dict[str, int],
    engine: AsyncEngine,
    settings: Settings,
    tmp_path: Path,
) -> None:
    before = await _get(client, "/api/v1/recommendations/traveller-types")
    solo_before = next(i for i in before["items"] if i["traveller_type"] == "solo")
    assert solo_before["ratings"] == 1
    # 40 solo travellers who rate on the breakfast: solo gets a model of its own.
    lines = [
        _line(h, 500 + n, trip="solo", rating=4.6 if _food_good(h) else 2.0, reviewer=f"S{n}")
        for h in range(8)
        for n in range(5)
    ]
    feed = write_feed(tmp_path / "group_solo_2025-07-01.jsonl", lines)
    await ingest_paths(engine=engine, settings=settings, paths=[str(feed)])
    await catch_up(engine=engine, settings=settings)

    after = await _get(client, "/api/v1/recommendations/traveller-types")
    solo = next(i for i in after["items"] if i["traveller_type"] == "solo")
    assert (solo["ratings"], solo["own_model"], solo["top_aspects"][0]) == (41, True, "food")


async def test_a_hotel_without_a_tastes_row_gets_one_from_all_its_reviews_old_and_new(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    lines = planted_lines()
    first = write_feed(tmp_path / "group_a_2025-06-01.jsonl", lines[:100])
    await ingest_paths(engine=engine, settings=settings, paths=[str(first)])
    await catch_up(engine=engine, settings=settings)
    async with engine.begin() as connection:
        await connection.execute(sa.delete(hotel_tastes))  # as before tastes existed
    second = write_feed(tmp_path / "group_b_2025-06-02.jsonl", lines[100:])
    await ingest_paths(engine=engine, settings=settings, paths=[str(second)])
    await catch_up(engine=engine, settings=settings)

    # The hotels the second batch touched: their reviews analysed before it (read back) and
    # its own (taken from the analysis), each counted once.
    stored = await _tastes(engine)
    expected = await _expected_ratings(engine)
    assert stored
    _assert_ratings_match(stored, {hotel_id: expected[hotel_id] for hotel_id in stored})
