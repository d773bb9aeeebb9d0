"""Full-text search over reviews: relevance ranked, with highlighted snippets."""

from __future__ import annotations

import hashlib
import html
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import read_transaction
from hotelreviews.core.driver_reads import prepared_reads
from hotelreviews.core.errors import HotelNotFound, SearchTooBroad
from hotelreviews.core.pagination import PageRequest, page_body
from hotelreviews.hotels import repository as hotel_repository
from hotelreviews.reviews.filters import ReviewFilters
from hotelreviews.reviews.service import flags_by_review, review_document
from hotelreviews.search import repository
from hotelreviews.search.repository import MARK_END, MARK_START
from hotelreviews.search.syntax import parse


async def search_reviews(
    *,
    engine: AsyncEngine,
    q: str,
    hotel_id: int | None,
    filters: ReviewFilters,
    page: PageRequest,
    max_words: int,
) -> dict[str, Any]:
    """Reviews matching `q` (web-search syntax), best match first; SearchTooBroad when `q`
    holds more than `max_words` words."""
    query = parse(q)
    if query.words > max_words:  # refused before it costs a connection
        raise SearchTooBroad(query.words, max_words)
    # The cursor names its query: a cursor of one search cannot silently continue another.
    cursor_key = "search:" + hashlib.blake2b(q.encode(), digest_size=8).hexdigest()
    if query.is_empty:  # nothing searchable (only punctuation, operators or exclusions)
        return page_body([], None, 0 if page.include_total else None, page=page)
    arguments: dict[str, Any] = {
        "text": q,
        "query": query,
        "hotel_id": hotel_id,
        "filters": filters,
    }
    # A first page, as most ask for it: its one statement through the driver (prepared_reads).
    prepared = repository.first_page_only(engine.dialect.name, filters, page)
    async with (prepared_reads if prepared else read_transaction)(engine) as connection:
        rows, order = await repository.search(
            connection, cursor_key=cursor_key, page=page, **arguments
        )
        if (
            not rows
            and hotel_id is not None
            and not await hotel_repository.hotel_exists(connection, hotel_id=hotel_id)
        ):
            raise HotelNotFound(hotel_id)
        total = None
        if page.include_total:
            total = await repository.count(connection, page=page, **arguments)
        rows, next_cursor = order.page(rows, page.limit)
        flags = await flags_by_review(connection, review_ids=[row["id"] for row in rows])
    items = []
    for row in rows:
        item = review_document(row, flags=flags.get(row["id"], []))
        item["score"] = round(row["score"], 6)
        item["snippet"] = highlight(row["snippet"] or "")
        items.append(item)
    return page_body(items, next_cursor, total, page=page)


def highlight(marked: str) -> str:
    """HTML-escape a snippet and turn its markers into balanced <mark>…</mark> tags."""
    out: list[str] = []
    open_mark = False
    for i, part in enumerate(marked.replace(MARK_END, MARK_START).split(MARK_START)):
        if i:  # a marker stood here; it opens or closes depending on the state
            out.append("</mark>" if open_mark else "<mark>")
            open_mark = not open_mark
        out.append(html.escape(part))
    if open_mark:
        out.append("</mark>")
    return "".join(out).replace("<mark></mark>", "")
