"""Issue 13, item 9: tests that should exist (found by planting bugs one at a time).

- An edit delivered later — in a later file, or in a later batch of the same file — goes
  through the upsert's update branch and the summary delta: new text and rating stored,
  `updated == 1`, and the hotel's summary and breakdowns exactly those of the reviews.
- Two consecutive login back-offs through the API: 1 s, then 2 s.
- The cache tests' polling helper (tests/support/cache.changed) paces itself: a body that
  stays stale fails as stale, not as a 429 from the app's rate limiter.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import hotel_summaries, hotels, reviews
from hotelreviews.core.settings import Settings
from hotelreviews.hotels.tables import hotel_summary_breakdowns
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.security import service
from tests.support import cache as cache_helpers
from tests.support.api_client import api_client
from tests.support.feeds import nested_line

HOTEL = 7
PASSWORD = "correct horse battery staple"
LOGIN = "/api/v1/auth/login"

# (review, rating, traveller type) before the edit; review 2 is then edited.
FIRST = [(1, 8.0, "Couple"), (2, 6.0, "Couple"), (3, 9.0, "Solo traveler")]
EDIT = (2, 4.5, "Family with young children")
EDITED_TEXT = "Update: the heating broke on the second night."
# The traveller types' keys in the breakdowns (the feed's words, normalised).
TRAVELLER_KEY = {
    "Couple": "couple",
    "Solo traveler": "solo",
    "Family with young children": "family",
}


def _line(review: int, rating: float, traveller: str, text: str, day: int) -> bytes:
    return orjson.dumps(
        nested_line(
            hotel=HOTEL, review=review, rating=rating, text=text, day=day, traveller=traveller
        )
    )


def _first_lines() -> list[bytes]:
    return [_line(r, rating, who, f"Stay {r}", day=1) for r, rating, who in FIRST]


def _edit_line() -> bytes:
    review, rating, who = EDIT
    return _line(review, rating, who, EDITED_TEXT, day=2)


def _write(path: Path, lines: list[bytes]) -> str:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


def _expected_summary() -> tuple[int, int, dict[tuple[str, str], tuple[int, int]]]:
    """(review count, rating sum in hundredths, breakdowns) of the reviews after the edit."""
    final = {r: (rating, who) for r, rating, who in FIRST}
    final[EDIT[0]] = (EDIT[1], EDIT[2])
    breakdowns: Counter[tuple[str, str]] = Counter()
    sums: Counter[tuple[str, str]] = Counter()
    for rating, who in final.values():
        centi = round(rating * 100)
        for key in (
            ("histogram", str(min(10, max(1, int(rating + 0.5))))),
            ("provider", "*"),  # one provider: its id is the database's
            ("traveller_type", TRAVELLER_KEY[who]),
        ):
            breakdowns[key] += 1
            sums[key] += centi
    total = sum(round(rating * 100) for rating, _ in final.values())
    return len(final), total, {key: (breakdowns[key], sums[key]) for key in breakdowns}


async def _assert_the_edit_is_stored_and_summed(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        hotel_id = (
            await connection.execute(
                sa.select(hotels.c.id).where(hotels.c.external_id == str(HOTEL))
            )
        ).scalar_one()
        stored = (
            await connection.execute(
                sa.select(reviews.c.rating, reviews.c.text).where(
                    reviews.c.provider_review_id == str(EDIT[0])
                )
            )
        ).one()
        summary = (
            await connection.execute(
                sa.select(hotel_summaries).where(hotel_summaries.c.hotel_id == hotel_id)
            )
        ).one()
        rows = (
            await connection.execute(
                sa.select(hotel_summary_breakdowns).where(
                    hotel_summary_breakdowns.c.hotel_id == hotel_id,
                    hotel_summary_breakdowns.c.review_count != 0,
                )
            )
        ).all()
    assert (stored.rating, stored.text) == (EDIT[1], EDITED_TEXT)
    count, total, breakdowns = _expected_summary()
    assert (summary.review_count, summary.rating_sum_centi) == (count, total)
    assert summary.rating_mean == pytest.approx(total / count / 100)
    found = {
        (row.dimension, "*" if row.dimension == "provider" else row.key): (
            row.review_count,
            row.rating_sum_centi,
        )
        for row in rows
        if row.dimension != "aspect"
    }
    assert found == breakdowns


async def test_an_edit_in_a_later_file_updates_the_review_and_the_summary_exactly(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    first = _write(tmp_path / "monday.jl", _first_lines())
    later = _write(tmp_path / "tuesday.jl", [_edit_line()])

    await ingest_paths(engine=engine, settings=settings, paths=[first])
    report = await ingest_paths(engine=engine, settings=settings, paths=[later])

    [file] = report.files
    assert file.status == "ingested", file.message
    assert (file.counts.new, file.counts.updated, file.counts.unchanged) == (0, 1, 0)
    await _assert_the_edit_is_stored_and_summed(engine)


async def test_an_edit_in_a_later_batch_of_the_same_file_updates_the_review_and_the_summary(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    # Batches of two lines: the three reviews span two batches, the edit is in the second.
    one_file = _write(tmp_path / "week.jl", [*_first_lines(), _edit_line()])
    small_batches = settings.model_copy(update={"ingest_batch_size": 2})

    report = await ingest_paths(engine=engine, settings=small_batches, paths=[one_file])

    [file] = report.files
    assert file.status == "ingested", file.message
    assert (file.counts.new, file.counts.updated, file.counts.unchanged) == (3, 1, 0)
    await _assert_the_edit_is_stored_and_summed(engine)


async def _login(client: httpx.AsyncClient, password: str) -> httpx.Response:
    return await client.post(LOGIN, json={"username": "ada", "password": password})


async def _wait_out_the_backoff(client: httpx.AsyncClient) -> None:
    """Until a (wrong) login is judged again rather than told to wait."""
    deadline = time.monotonic() + 30
    while (response := await _login(client, "wrong password!")).status_code == 429:
        assert response.json()["code"] == "login_backoff", response.text
        assert time.monotonic() < deadline, "the back-off never ends"
        await asyncio.sleep(0.05)
    assert response.status_code == 401, response.text


async def test_two_consecutive_login_back_offs_wait_one_second_then_two(
    settings: Settings,
) -> None:
    backing_off = settings.model_copy(
        update={
            # The per-address login rate limit would otherwise answer 429 first.
            "rate_limit_enabled": False,
            "login_lockout_threshold": 10,
            "login_backoff_free_failures": 1,
            "login_backoff_base_seconds": 1.0,
        }
    )
    async with api_client(backing_off) as client:
        engine = client._transport.app.state.router.primary.engine  # type: ignore[attr-defined]
        await service.create_user(
            engine=engine, username="ada", password=PASSWORD, roles=frozenset()
        )
        assert (await _login(client, "wrong password!")).status_code == 401  # free
        assert (await _login(client, "wrong password!")).status_code == 401  # then 1 s
        first = await _login(client, PASSWORD)
        assert first.status_code == 429 and first.json()["code"] == "login_backoff"
        assert first.headers["retry-after"] == "1"

        await _wait_out_the_backoff(client)  # that wrong login was the third failure

        second = await _login(client, PASSWORD)
        assert second.status_code == 429 and second.json()["code"] == "login_backoff"
        assert second.headers["retry-after"] == "2"


async def test_the_cache_helper_reports_a_stale_body_as_stale_not_as_rate_limited(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A tight limit and a short deadline: polling every 20 ms would pass 20 requests a
    # minute within half a second of the three seconds.
    limited = settings.model_copy(
        update={
            "rate_limit_enabled": True,
            "rate_limit_default": "20/minute",
            "rate_limit_search": "20/minute",
        }
    )
    monkeypatch.setattr(cache_helpers, "DEADLINE_SECONDS", 3.0)
    async with api_client(limited) as client:
        before = await client.get(cache_helpers.HOTELS)
        assert before.status_code == 200, before.text

        with pytest.raises(AssertionError, match="still serves the old"):
            await cache_helpers.changed(client, cache_helpers.HOTELS, before.content)
