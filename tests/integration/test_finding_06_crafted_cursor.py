"""Finding 6: a crafted cursor gave a 500 on both databases. `0001-01-01T00:00:00+14:00`
is a valid datetime with an offset, but converting it to UTC (as the column type does)
overflows before year 1; `9999-12-31T23:59:59-14:00` overflows past year 9999.

Every decoded cursor value is now checked as the database will use it: the answer is 422
invalid_cursor, for each of these and for values of the wrong type or range."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from hotelreviews.core.settings import Settings
from tests.support.api_client import api_client
from tests.support.builders import Catalog


def cursor_of(payload: object) -> str:
    raw = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings, raise_app_exceptions=False) as client:
        yield client


@pytest.fixture
async def hotel_id(client: httpx.AsyncClient) -> int:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    catalog = Catalog(transport.app.state.router.primary.engine)  # type: ignore[attr-defined]
    hotel = await catalog.hotel("Sea View")
    return int(hotel)


CRAFTED = [
    # The two of the finding: in range as written, out of range once in UTC.
    ("newest", ["reviews:newest", ["0001-01-01T00:00:00+14:00", 5]]),
    ("oldest", ["reviews:oldest", ["9999-12-31T23:59:59-14:00", 5]]),
    ("newest", ["reviews:newest", ["0001-01-01T13:59:59+14:00", 5]]),
    ("oldest", ["reviews:oldest", ["9999-12-31T10:00:00-14:00", 5]]),
    # Wrong types and ranges of the other keys.
    ("newest", ["reviews:newest", ["2025-03-01T00:00:00+00:00", "5"]]),
    ("newest", ["reviews:newest", ["2025-03-01T00:00:00+00:00", 5.5]]),
    ("newest", ["reviews:newest", ["2025-03-01T00:00:00+00:00", 2**63]]),
    ("newest", ["reviews:newest", [1740787200, 5]]),
    ("newest", ["reviews:newest", [None, 5]]),
    ("newest", ["reviews:newest", ["2025-03-01T00:00:00", 5]]),  # no offset
    ("newest", ["reviews:newest", ["2025-03-01T00:00:00+24:00", 5]]),
    ("oldest", ["reviews:newest", ["2025-03-01T00:00:00+00:00", 5]]),  # another order's
]


@pytest.mark.parametrize(("sort", "payload"), CRAFTED)
async def test_a_crafted_cursor_is_a_422_invalid_cursor_never_a_500(
    client: httpx.AsyncClient, hotel_id: int, sort: str, payload: object
) -> None:
    response = await client.get(
        f"/api/v1/hotels/{hotel_id}/reviews", params={"sort": sort, "cursor": cursor_of(payload)}
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_cursor"
    assert problem["errors"] == [{"field": "query.cursor", "message": problem["detail"]}]


async def test_the_extreme_moments_that_do_fit_in_utc_just_resume(
    client: httpx.AsyncClient, hotel_id: int
) -> None:
    for sort, moment in (
        ("newest", "0001-01-01T14:00:00+14:00"),  # exactly year 1, 00:00 UTC
        ("oldest", "9999-12-31T09:59:59-14:00"),  # 23:59:59 UTC
    ):
        cursor = cursor_of([f"reviews:{sort}", [moment, 5]])
        response = await client.get(
            f"/api/v1/hotels/{hotel_id}/reviews", params={"sort": sort, "cursor": cursor}
        )
        assert response.status_code == 200, response.text
        assert response.json()["items"] == []
