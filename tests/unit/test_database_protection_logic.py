"""Pure parts of the database protection (issue 12, finding 3): words, parameters, slots, totals."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Query
from fastapi.routing import APIRoute

from hotelreviews.api.parameters import declared_query, undeclared
from hotelreviews.core.errors import ExpensiveRequestsBusy, TooManyExpensiveRequests
from hotelreviews.core.pagination import PageRequest, page_body
from hotelreviews.core.settings import Settings
from hotelreviews.protection.expensive import ExpensiveRequests
from hotelreviews.search.syntax import parse


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("quiet", 1),
        ("quiet room", 2),
        ('"sea view" -noisy', 3),
        ("quiet OR calm", 2),  # the operator is not a word
        ("sea-view-rooftop", 3),  # one token, three words for the tokenizers
        ("* ! --", 0),
        ("東京 hotel", 2),
    ],
)
def test_a_search_counts_the_words_the_databases_will_look_up(text: str, words: int) -> None:
    assert parse(text).words == words


def test_parse_keeps_every_term_so_that_the_service_can_refuse_a_long_search() -> None:
    query = parse(" ".join(f"w{n}" for n in range(40)))
    assert query.words == 40 and len(query.groups) == 40


def _route(app: FastAPI, path: str) -> APIRoute:
    return next(r for r in app.routes if isinstance(r, APIRoute) and r.path == path)


async def _paging(limit: int = 20, cursor: str | None = None) -> int:
    return limit


async def _things(
    page: Annotated[int, Depends(_paging)],
    name: Annotated[str | None, Query(alias="filter[name]")] = None,
    tags: Annotated[list[str] | None, Query()] = None,
) -> None:
    return None


def test_declared_parameters_include_those_of_dependencies_and_aliases() -> None:
    app = FastAPI()
    app.get("/things")(_things)
    declared = declared_query(_route(app, "/things").dependant)
    assert declared.names == {"limit", "cursor", "filter[name]", "tags"}
    assert declared.repeatable == {"tags"}
    assert undeclared([("limit", "1"), ("tags", "a"), ("tags", "b")], declared) == []
    errors = undeclared([("name", "x"), ("limit", "1"), ("limit", "2")], declared)
    assert [(e["loc"], e["type"]) for e in errors] == [
        (("query", "name"), "unknown_parameter"),
        (("query", "limit"), "repeated_parameter"),
    ]


def test_a_client_gets_its_share_and_the_process_its_total() -> None:
    limiter = ExpensiveRequests(per_client=2, per_process=3)
    with limiter.slot("a"), limiter.slot("a"):
        with pytest.raises(TooManyExpensiveRequests), limiter.slot("a"):
            pass
        with limiter.slot("b"):
            assert limiter.running == 3
            with pytest.raises(ExpensiveRequestsBusy), limiter.slot("c"):
                pass
    assert limiter.running == 0
    with limiter.slot("c"):  # every slot came back
        assert limiter.running == 1


def test_a_slot_comes_back_when_the_request_fails() -> None:
    limiter = ExpensiveRequests(per_client=1, per_process=1)
    with pytest.raises(RuntimeError), limiter.slot("a"):
        raise RuntimeError("query failed")
    with limiter.slot("a"):
        assert limiter.running == 1


@pytest.mark.parametrize(
    ("counted", "total", "exact"),
    [(None, None, None), (0, 0, True), (100, 100, True), (101, 100, False)],
)
def test_a_total_past_the_count_limit_is_the_limit_flagged_as_a_lower_bound(
    counted: int | None, total: int | None, exact: bool | None
) -> None:
    body = page_body([], None, counted, page=PageRequest(include_total=True, count_limit=100))
    assert (body["total"], body["total_exact"]) == (total, exact)


@pytest.mark.parametrize(
    ("pool_size", "per_process", "slots"),
    [(20, None, 4), (6, None, 3), (1, None, 1), (20, 10, 10), (4, 7, 7)],
)
def test_a_process_runs_four_expensive_requests_or_half_its_pool_unless_told(
    pool_size: int, per_process: int | None, slots: int
) -> None:
    settings = Settings(database_pool_size=pool_size, expensive_requests_per_process=per_process)
    assert settings.expensive_request_slots == slots
