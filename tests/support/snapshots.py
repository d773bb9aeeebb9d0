"""The logical content of a database, comparable across runs (no surrogate ids, no clocks)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import (
    hotel_provider_standings,
    hotel_summaries,
    hotel_summary_breakdowns,
    hotels,
    ingested_files,
    providers,
    rejected_lines,
    reviews,
)

_CLOCK_COLUMNS = {"created_at", "updated_at", "first_seen_at", "last_changed_at"}


def _content(table: sa.Table, *skip: str) -> list[sa.Column[Any]]:
    return [c for c in table.columns if c.name not in _CLOCK_COLUMNS | {"id", *skip}]


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored fact, keyed by natural keys (hotel external id, provider key)."""
    hotel_key, provider_key = hotels.c.external_id, providers.c.key
    queries = {
        "providers": sa.select(*_content(providers)).order_by(provider_key),
        "hotels": sa.select(*_content(hotels)).order_by(hotel_key),
        "reviews": sa.select(
            provider_key, hotel_key, *_content(reviews, "provider_id", "hotel_id", "source_file_id")
        )
        .select_from(reviews.join(providers).join(hotels))
        .order_by(provider_key, reviews.c.provider_review_id),
        "summaries": sa.select(hotel_key, *_content(hotel_summaries, "hotel_id"))
        .select_from(hotel_summaries.join(hotels))
        .order_by(hotel_key),
        "breakdowns": sa.select(hotel_key, *_content(hotel_summary_breakdowns, "hotel_id"))
        .select_from(hotel_summary_breakdowns.join(hotels))
        .order_by(hotel_key, hotel_summary_breakdowns.c.dimension, hotel_summary_breakdowns.c.key),
        "standings": sa.select(
            hotel_key, provider_key, *_content(hotel_provider_standings, "hotel_id", "provider_id")
        )
        .select_from(hotel_provider_standings.join(hotels).join(providers))
        .order_by(hotel_key, provider_key, hotel_provider_standings.c.as_of),
        "rejected_lines": sa.select(*_content(rejected_lines, "file_id")).order_by(
            rejected_lines.c.line_number
        ),
        "files": sa.select(
            *_content(
                ingested_files,
                "started_at",
                "finished_at",
                "duration_seconds",
                "lines_per_second",
                "source_uri",
            )
        ).order_by(ingested_files.c.checksum),
    }
    async with engine.connect() as connection:
        return {
            name: [tuple(row) for row in await connection.execute(query)]
            for name, query in queries.items()
        }
