"""Finding 11: ingestions had no owner — every `ingest` or `analyst` identity read every
ingestion, its source URI and its rejected lines' raw excerpts.

Now each ingestion records who queued it. An `ingest` identity sees its own only (another's
is not found, so ids tell nothing); admins see everything; analysts see every ingestion, but
not the raw excerpts of lines someone else's feed held (docs/security.md, "Who sees which
ingestion").
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.ingestion.writing.service import ingest_file
from tests.support.api_client import api_client, api_key_headers
from tests.support.feeds import write_mixed_feed
from tests.support.workers import quick_worker_settings

URL = "/api/v1/ingestions"


@dataclass
class Fleet:
    client: httpx.AsyncClient
    headers: dict[str, dict[str, str]]  # identity -> its X-API-Key header
    queued: dict[str, int]  # loader -> the ingestion it queued
    by_cli: int  # an ingestion run by the CLI (nobody's)

    async def get(self, identity: str, url: str) -> httpx.Response:
        return await self.client.get(url, headers=self.headers[identity])


@pytest.fixture
async def fleet(settings: Settings, samples_dir: Path, tmp_path: Path) -> AsyncIterator[Fleet]:
    """Loaders A and B (role ingest) each queued a feed with rejected lines, the worker ran
    them, and the CLI ingested a third feed; an analyst and an admin look on."""
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    shutil.copyfile(samples_dir / "broken_lines.jl", feeds / "a_broken.jl")
    write_mixed_feed(feeds / "b_mixed.jl", lines=300, seed=11)
    cli_feed = tmp_path / "cli_mixed.jl"
    write_mixed_feed(cli_feed, lines=200, seed=12)
    queue_settings = quick_worker_settings(settings, feeds)
    async with api_client(queue_settings) as client:
        headers = {
            name: await api_key_headers(client, role)
            for name, role in [
                ("loader A", "ingest"),
                ("loader B", "ingest"),
                ("analyst", "analyst"),
                ("admin", "admin"),
            ]
        }
        queued = {}
        for loader, feed in [("loader A", "a_broken.jl"), ("loader B", "b_mixed.jl")]:
            response = await client.post(
                URL, json={"source_uri": str(feeds / feed)}, headers=headers[loader]
            )
            assert response.status_code == 202, response.text
            queued[loader] = response.json()["id"]
        engine = client._transport.app.state.router.primary.engine  # type: ignore[attr-defined]
        await Worker(engine=engine, settings=queue_settings).run(once=True)
        report = await ingest_file(engine=engine, settings=queue_settings, path=str(cli_feed))
        assert report.run_id is not None
        yield Fleet(client, headers, queued, report.run_id)


async def listed_ids(fleet: Fleet, identity: str) -> set[int]:
    response = await fleet.get(identity, f"{URL}?limit=100&include_total=true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return {item["id"] for item in body["items"]}


async def test_an_ingest_identity_lists_only_the_ingestions_it_queued(fleet: Fleet) -> None:
    assert await listed_ids(fleet, "loader A") == {fleet.queued["loader A"]}
    assert await listed_ids(fleet, "loader B") == {fleet.queued["loader B"]}


@pytest.mark.parametrize("path", ["", "/rejected-lines"])
async def test_an_ingest_identity_cannot_read_another_ones_ingestion_or_its_rejected_lines(
    fleet: Fleet, path: str
) -> None:
    others = await fleet.get("loader B", f"{URL}/{fleet.queued['loader A']}{path}")
    nobody = await fleet.get("loader B", f"{URL}/{10**12}{path}")
    own = await fleet.get("loader A", f"{URL}/{fleet.queued['loader A']}{path}")

    assert own.status_code == 200, own.text
    # Not found, exactly as an id that does not exist: the answer says nothing about it.
    assert others.status_code == nobody.status_code == 404
    assert others.json()["code"] == nobody.json()["code"] == "ingestion_not_found"


async def test_an_ingest_identity_sees_its_own_rejected_lines_in_full(fleet: Fleet) -> None:
    response = await fleet.get("loader A", f"{URL}/{fleet.queued['loader A']}/rejected-lines")

    lines = response.json()["items"]
    assert len(lines) == 10
    assert all(isinstance(line["excerpt"], str) for line in lines)
    assert sum(1 for line in lines if line["excerpt"]) >= 9


async def test_ingestions_nobody_queued_through_the_api_are_not_shown_to_ingest_identities(
    fleet: Fleet,
) -> None:
    response = await fleet.get("loader A", f"{URL}/{fleet.by_cli}")

    assert response.status_code == 404
    assert fleet.by_cli not in await listed_ids(fleet, "loader A")


async def test_admins_see_every_ingestion_and_every_rejected_lines_excerpt(fleet: Fleet) -> None:
    listed = await listed_ids(fleet, "admin")
    response = await fleet.get("admin", f"{URL}/{fleet.queued['loader A']}/rejected-lines")

    assert {*fleet.queued.values(), fleet.by_cli} <= listed
    lines = response.json()["items"]
    assert len(lines) == 10 and all(isinstance(line["excerpt"], str) for line in lines)


async def test_analysts_see_every_ingestion_but_not_the_raw_lines_of_others(
    fleet: Fleet,
) -> None:
    listed = await listed_ids(fleet, "analyst")
    response = await fleet.get("analyst", f"{URL}/{fleet.queued['loader A']}/rejected-lines")

    assert {*fleet.queued.values(), fleet.by_cli} <= listed
    lines = response.json()["items"]
    assert len(lines) == 10 and all(line["reason"] and line["message"] for line in lines)
    assert [line["excerpt"] for line in lines] == [None] * 10


async def test_another_identitys_idempotency_key_neither_replays_nor_names_its_ingestion(
    fleet: Fleet, tmp_path: Path
) -> None:
    feed = tmp_path / "feeds" / "a_broken.jl"
    body = {"source_uri": str(feed)}
    key = {"Idempotency-Key": "shared-key-1"}
    first = await fleet.client.post(URL, json=body, headers={**fleet.headers["loader A"], **key})
    assert first.status_code == 202

    replay = await fleet.client.post(URL, json=body, headers={**fleet.headers["loader A"], **key})
    other = await fleet.client.post(URL, json=body, headers={**fleet.headers["loader B"], **key})

    assert replay.status_code == 202 and replay.json()["id"] == first.json()["id"]
    assert other.status_code == 422, other.text
    assert other.json()["code"] == "idempotency_key_reused"
    assert str(first.json()["id"]) not in other.text
