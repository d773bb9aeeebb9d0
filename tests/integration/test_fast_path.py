"""The hot routes' fast paths (api.fast_path) answer exactly as FastAPI's full handling does.

The same requests go to one app with its fast paths and to one without (app.state.fast_paths
= False), on the same database: status, body and headers must be equal. The requests mix the
plain shapes a fast path takes with those it must leave to FastAPI (values to refuse, other
spellings, other parameters, a consistency token), on both databases.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import fastapi.routing
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from tests.support.api_client import api_client
from tests.support.builders import Catalog

DAY = datetime(2025, 3, 1, tzinfo=UTC)
# Headers that differ between any two responses.
_VOLATILE = {"date", "x-trace-id", "x-request-id"}


@pytest.fixture
async def clients(
    settings: Settings,
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """(with fast paths, without), on the same database."""
    async with api_client(settings) as fast, api_client(settings) as full:
        full._transport.app.state.fast_paths = False  # type: ignore[attr-defined]
        yield fast, full


@pytest.fixture
async def hotel(engine: AsyncEngine) -> int:
    catalog = Catalog(engine)
    agoda = await catalog.provider("Agoda")
    hotel = await catalog.hotel("Harbourfront Lantern Hotel")
    await catalog.hotel("Elsewhere")
    for i in range(7):
        await catalog.review(
            hotel,
            agoda,
            rating=[4.0, 6.0, 8.0][i % 3],
            review_date=DAY + timedelta(days=i),
            title=f"quiet room {i}",
            text="A quiet room with breakfast." if i % 2 else "Noisy street, good breakfast.",
            language="en",
        )
    return hotel


def _requests(hotel: int) -> list[tuple[str, dict[str, str]]]:
    unknown = 2**40
    detail = f"/api/v1/hotels/{hotel}"
    page = f"/api/v1/hotels/{hotel}/reviews"
    search = "/api/v1/reviews/search"
    token = {"X-Consistency-Token": "0/0"}
    paths = [
        # hotel detail
        detail,
        f"{detail}?anything=1",
        f"/api/v1/hotels/{unknown}",
        f"/api/v1/hotels/0{hotel}",
        "/api/v1/hotels/0",
        "/api/v1/hotels/9223372036854775807",
        "/api/v1/hotels/9223372036854775808",
        "/api/v1/hotels/-1",
        # a hotel's review page
        page,
        f"{page}?limit=20",
        f"{page}?limit=3",
        f"{page}?limit=3&sort=oldest",
        f"{page}?sort=highest&limit=100",
        f"{page}?sort=lowest",
        f"{page}?limit=0",
        f"{page}?limit=101",
        f"{page}?limit=03",
        f"{page}?limit=3&limit=4",
        f"{page}?sort=best",
        f"{page}?limit=3&min_rating=5",
        f"/api/v1/hotels/{unknown}/reviews?limit=20",
        # search
        f"{search}?q=quiet",
        f"{search}?q=quiet&hotel_id={hotel}&limit=2",
        f"{search}?q=breakfast+-noisy&limit=10",
        f"{search}?q=%22quiet+room%22&hotel_id={hotel}",
        f"{search}?q=nothingmatchesthis&hotel_id={hotel}",
        f"{search}?q=quiet&hotel_id={unknown}",
        f"{search}?q=nothingmatchesthis&hotel_id={unknown}",
        f"{search}?q=",
        f"{search}?q={'a' * 200}",
        f"{search}?q={'a' * 201}",
        f"{search}?q=a%00b",
        f"{search}?q={'+'.join(['word'] * 13)}",
        f"{search}?q=quiet&hotel_id=0",
        f"{search}?q=quiet&limit=0",
        f"{search}?q=quiet&language=en",
        f"{search}?hotel_id={hotel}",
    ]
    with_token = [detail, f"{page}?limit=20", f"{search}?q=quiet"]
    return [(path, {}) for path in paths] + [(path, token) for path in with_token]


async def test_fast_paths_answer_as_the_full_handling_does(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], hotel: int
) -> None:
    fast, full = clients
    statuses = set()
    for path, headers in _requests(hotel):
        ours, theirs = await fast.get(path, headers=headers), await full.get(path, headers=headers)
        assert ours.status_code == theirs.status_code, path
        assert ours.json() == theirs.json(), path
        assert _stable(ours.headers) == _stable(theirs.headers), path
        statuses.add(ours.status_code)
    assert {200, 404, 422} <= statuses  # answers, unknown hotels and refusals were compared


async def test_plain_requests_skip_fastapis_parameter_handling(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    hotel: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Else the comparison above would compare FastAPI with itself. Counted where FastAPI's
    # route handler solves a request's dependencies (our code is not replaced: only watched).
    solved: list[str] = []
    solve = fastapi.routing.solve_dependencies

    async def counted(*args: Any, **kwargs: Any) -> Any:
        solved.append(kwargs["request"].url.path)
        return await solve(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    fast, full = clients
    plain = [
        f"/api/v1/hotels/{hotel}",
        f"/api/v1/hotels/{hotel}/reviews?limit=20",
        f"/api/v1/reviews/search?q=quiet&hotel_id={hotel}&limit=10",
    ]
    for path in plain:
        assert (await fast.get(path)).status_code == 200, path
    assert solved == []
    for path in plain:
        assert (await full.get(path)).status_code == 200, path
    assert len(solved) == len(plain)  # the count sees FastAPI's handling when it runs


def _stable(headers: httpx.Headers) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in _VOLATILE}
