"""GET /api/v1/reviews/search: ranking, snippets, filters, paging and hostile query text."""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.settings import Settings
from hotelreviews.search.schemas import ReviewSearchPage
from hotelreviews.search.service import highlight
from hotelreviews.search.syntax import parse, to_fts5
from tests.support.api_client import api_client, get_json, recorded_statements, walk
from tests.support.builders import Catalog

SEARCH = "/api/v1/reviews/search"
DAY = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(settings) as client:
        yield client


@pytest.fixture
async def corpus(engine: AsyncEngine) -> dict[str, int]:
    catalog = Catalog(engine)
    agoda = await catalog.provider("Agoda")
    harbour = await catalog.hotel("Harbourfront Lantern Hotel")
    inn = await catalog.hotel("Old Quarter Inn")
    ids = {"agoda": agoda, "harbour": harbour, "inn": inn}
    texts = {
        "best": ("Quiet room", "The room was quiet and spotless, quiet all night.", 9.0),
        "weak": ("Noisy", "A quiet moment was rare; the street was noisy.", 4.0),
        "buffet": ("Breakfast", "The breakfast buffet was great.", 8.0),
        "hostile": ("Odd", "<script>alert('x')</script> so quiet & calm", 7.0),
    }
    for day, (key, (title, text, rating)) in enumerate(texts.items()):
        ids[key] = await catalog.review(
            harbour,
            agoda,
            rating=rating,
            review_date=DAY + timedelta(days=day),
            title=title,
            text=text,
            language="en",
        )
    ids["inn_quiet"] = await catalog.review(
        inn,
        agoda,
        rating=6.0,
        review_date=DAY,
        title=None,
        text="Quiet courtyard.",
        language="de",
        has_response=True,
    )
    return ids


async def search(client: httpx.AsyncClient, q: str, **params: object) -> dict:
    body = await get_json(client, SEARCH, q=q, **params)
    ReviewSearchPage.model_validate(body)
    return body


def ids_of(body: dict) -> list[int]:
    return [item["id"] for item in body["items"]]


async def test_the_better_match_ranks_first(
    client: httpx.AsyncClient, corpus: dict[str, int]
) -> None:
    body = await search(client, "quiet", include_total="true")
    assert body["total"] == 4
    found = ids_of(body)
    assert found[0] == corpus["best"]  # in the title and twice in the text
    assert set(found) == {corpus["best"], corpus["weak"], corpus["hostile"], corpus["inn_quiet"]}
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]


async def test_snippets_mark_terms_and_escape_everything_else(
    client: httpx.AsyncClient, corpus: dict[str, int]
) -> None:
    body = await search(client, "quiet")
    for item in body["items"]:
        snippet = item["snippet"]
        assert re.search(r"<mark>quiet</mark>", snippet, re.IGNORECASE), snippet
        bare = re.sub(r"</?mark>", "", snippet)
        assert "<" not in bare and ">" not in bare, snippet
    hostile = next(item for item in body["items"] if item["id"] == corpus["hostile"])
    assert "<script>" not in hostile["snippet"]
    assert "&amp;" in hostile["snippet"]
    assert "calm" in html.unescape(hostile["snippet"])
    assert hostile["text"] == "<script>alert('x')</script> so quiet & calm"  # the review as is


async def test_web_search_syntax(client: httpx.AsyncClient, corpus: dict[str, int]) -> None:
    assert ids_of(await search(client, '"quiet moment"')) == [corpus["weak"]]
    assert set(ids_of(await search(client, "quiet -noisy"))) == {
        corpus["best"],
        corpus["hostile"],
        corpus["inn_quiet"],
    }
    assert set(ids_of(await search(client, "buffet OR spotless"))) == {
        corpus["best"],
        corpus["buffet"],
    }
    assert ids_of(await search(client, "quiet room")) == [corpus["best"]]
    assert ids_of(await search(client, "QUIET courtyard")) == [corpus["inn_quiet"]]


async def test_search_combines_with_hotel_and_review_filters(
    client: httpx.AsyncClient, corpus: dict[str, int]
) -> None:
    assert ids_of(await search(client, "quiet", hotel_id=corpus["inn"])) == [corpus["inn_quiet"]]
    assert set(ids_of(await search(client, "quiet", min_rating=7))) == {
        corpus["best"],
        corpus["hostile"],
    }
    assert ids_of(await search(client, "quiet", language="de")) == [corpus["inn_quiet"]]
    assert ids_of(await search(client, "quiet", has_response="true")) == [corpus["inn_quiet"]]
    assert ids_of(await search(client, "quiet", since="2025-03-02", until="2025-03-02")) == [
        corpus["weak"]
    ]
    assert ids_of(await search(client, "quiet", provider_id=corpus["agoda"] + 100)) == []
    body = await get_json(client, SEARCH, q="quiet", hotel_id=999999, status=404)
    assert body["code"] == "hotel_not_found"


async def test_walking_search_pages_sees_every_match_once(
    client: httpx.AsyncClient, corpus: dict[str, int]
) -> None:
    everything = (await search(client, "quiet OR breakfast", limit=100))["items"]
    assert len(everything) == 5
    pages = await walk(client, SEARCH, q="quiet OR breakfast", limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [item["id"] for page in pages for item in page] == [item["id"] for item in everything]


async def test_a_cursor_of_another_query_is_refused(
    client: httpx.AsyncClient, corpus: dict[str, int]
) -> None:
    cursor = (await search(client, "quiet", limit=1))["next_cursor"]
    body = await get_json(client, SEARCH, q="breakfast", cursor=cursor, status=422)
    assert body["code"] == "invalid_cursor"


async def test_search_page_takes_one_query_and_one_for_its_flags(
    client: httpx.AsyncClient, corpus: dict[str, int]
) -> None:
    # The flags of the page's reviews come by one query of their ids, not a join per row.
    await search(client, "quiet")
    async with recorded_statements(client) as statements:
        await search(client, "quiet")
    assert len(statements) == 2, statements
    assert "review_flags" in statements[1]


HOSTILE_QUERIES = [
    '"',
    '""',
    '"""',
    "*",
    "quiet*",
    "NEAR(",
    "NEAR(quiet room, 2)",
    "-",
    "--",
    "-quiet",
    "OR",
    "OR OR",
    "quiet OR",
    "OR quiet",
    "AND",
    "NOT",
    "quiet NOT",
    "(",
    ")",
    "(quiet",
    "quiet)",
    "^quiet",
    "title:quiet",
    "{title text}: quiet",
    "quiet + room",
    "+",
    ":",
    "!",
    "&",
    "|",
    "<->",
    "quiet & !noisy",
    "'",
    "\\",
    "%",
    "_",
    "'; DROP TABLE reviews; --",
    "ü",
    "東京",
    "🙂",
    "\u200b",
    "quiet\u0301",
    "x" * 200,
    "a " * 12,  # as many words as a search may hold (more: 422, test_finding_03_…)
    '"quiet',
    'quiet"',
    '-"quiet room"',
]


async def test_hostile_queries_never_fail(
    client: httpx.AsyncClient, corpus: dict[str, int]
) -> None:
    failures = []
    for q in HOSTILE_QUERIES:
        response = await client.get(SEARCH, params={"q": q, "include_total": "true"})
        body = response.json()
        if response.status_code != 200 or body["total"] != len(body["items"]):
            failures.append((q, response.status_code, body))
    assert failures == []


async def test_queries_with_nothing_searchable_give_an_empty_result(
    client: httpx.AsyncClient, corpus: dict[str, int]
) -> None:
    for q in ("*", "OR", "-quiet", '""', "!!!"):
        assert await search(client, q, include_total="true") == {
            "items": [],
            "next_cursor": None,
            "total": 0,
            "total_exact": True,
        }
    assert (await search(client, "quiet*"))["items"]  # the word still counts


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "query.q"),
        ({"q": ""}, "query.q"),
        ({"q": "x" * 201}, "query.q"),
        ({"q": "a\x00b"}, "query.q"),
        ({"q": "quiet", "hotel_id": "0"}, "query.hotel_id"),
    ],
)
async def test_invalid_search_parameters_are_422_problems(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    body = await get_json(client, SEARCH, status=422, **params)
    assert body["code"] == "validation_failed"
    assert [error["field"] for error in body["errors"]] == [field]


def test_syntax_groups_or_terms_and_keeps_exclusions_apart() -> None:
    query = parse('quiet OR calm "sea view" -noisy -"thin walls" OR')
    assert query.groups == (("quiet", "calm"), ("sea view",))
    assert query.excluded == ("noisy", "thin walls")
    assert to_fts5(query) == (
        '(("quiet" OR "calm") AND ("sea view")) NOT ("noisy" OR "thin walls")'
    )
    assert to_fts5(parse('say "he said ""hi"""')) == '("say") AND ("he said") AND ("hi")'
    assert parse('* - OR " ( )').is_empty


def test_highlight_balances_and_escapes() -> None:
    assert highlight("a \x02b\x03 <c> & \x02d") == "a <mark>b</mark> &lt;c&gt; &amp; <mark>d</mark>"
    assert highlight("\x02\x03x") == "x"


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_becomes_a_valid_fts5_expression(text: str) -> None:
    query = parse(text)
    if query.is_empty:
        return
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE t USING fts5(a, tokenize='unicode61 remove_diacritics 2')"
    )
    connection.execute("INSERT INTO t VALUES ('quiet room near the sea')")
    connection.execute("SELECT rowid FROM t WHERE t MATCH ?", (to_fts5(query),)).fetchall()


@pytest.mark.parametrize("in_hotel", [True, False])
async def test_an_unfiltered_first_page_is_the_page_of_a_filter_every_review_passes(
    client: httpx.AsyncClient, corpus: dict[str, int], in_hotel: bool
) -> None:
    # The unfiltered first page has a statement of its own, built once (the hot path); a
    # filter every review passes takes the general one. Same page, same cursor.
    scope = {"hotel_id": corpus["harbour"]} if in_hotel else {}
    unfiltered = await search(client, "quiet OR breakfast", limit=2, **scope)
    filtered = await search(client, "quiet OR breakfast", limit=2, min_rating=0, **scope)
    assert unfiltered == filtered
    assert len(unfiltered["items"]) == 2 and unfiltered["next_cursor"] is not None
