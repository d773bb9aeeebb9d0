"""Rows for API tests, written with SQLAlchemy Core straight into the tables.

`refresh_summaries` recomputes hotel_summaries and hotel_summary_breakdowns from the stored
reviews with the same rules as ingestion (ratings summed in hundredths, histogram buckets
rounded half up into 1..10), so tests can build any catalogue without the ingester.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, date, datetime
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
from hotelreviews.core.database import write_transaction

NOW = datetime(2025, 3, 16, 8, 0, tzinfo=UTC)
_numbers = itertools.count(1)


def _centi(value: float) -> int:
    return round(value * 100)


class Catalog:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._default_file: int | None = None

    async def _insert(self, table: sa.Table, values: dict[str, Any]) -> int:
        async with write_transaction(self.engine) as connection:
            result = await connection.execute(table.insert().values(**values))
            return int(result.inserted_primary_key[0])

    async def provider(
        self, name: str | None = "Agoda", *, key: str | None = None, rating_scale: float = 10.0
    ) -> int:
        key = key or f"p{next(_numbers)}"
        values = {"key": key, "name": name, "rating_scale": rating_scale, "created_at": NOW}
        return await self._insert(providers, values)

    async def hotel(self, name: str, **attributes: Any) -> int:
        values = {
            "external_id": f"H{next(_numbers)}",
            "name": name,
            "created_at": NOW,
            "updated_at": NOW,
        }
        values.update(attributes)
        return await self._insert(hotels, values)

    async def ingestion(self, **attributes: Any) -> int:
        values = {
            "source_uri": "file:///feeds/sample.jl",
            "display_name": "sample.jl",
            "size_bytes": 1000,
            "checksum": f"{next(_numbers):064x}",
            "status": "succeeded",
            "forced": False,
            "lines_done": 0,
            "lines_blank": 0,
            "reviews_new": 0,
            "reviews_updated": 0,
            "reviews_unchanged": 0,
            "lines_rejected": 0,
            "rejected_by_reason": {},
            "started_at": NOW,
            "finished_at": NOW,
            "duration_seconds": 1.0,
            "lines_per_second": 100.0,
        }
        values.update(attributes)
        return await self._insert(ingested_files, values)

    async def rejected_line(self, file_id: int, line_number: int, **attributes: Any) -> int:
        values = {
            "file_id": file_id,
            "line_number": line_number,
            "reason": "invalid_json",
            "message": f"line {line_number} is not JSON",
            "excerpt": "{oops",
        }
        values.update(attributes)
        return await self._insert(rejected_lines, values)

    async def review(
        self,
        hotel_id: int,
        provider_id: int,
        *,
        rating: float,
        review_date: datetime,
        rating_scale: float = 10.0,
        **attributes: Any,
    ) -> int:
        if self._default_file is None:
            self._default_file = await self.ingestion()
        values = {
            "provider_id": provider_id,
            "provider_review_id": str(next(_numbers)),
            "hotel_id": hotel_id,
            "rating": rating,
            "rating_scale": rating_scale,
            "rating_normalized": round(rating * 10 / rating_scale, 2),
            "review_date": review_date,
            "review_date_offset_minutes": 0,
            "review_date_offset_missing": False,
            "has_response": False,
            "aspects": {},
            "content_hash": f"{next(_numbers):032x}",
            "first_seen_at": NOW,
            "last_changed_at": NOW,
            "source_file_id": self._default_file,
        }
        values.update(attributes)
        return await self._insert(reviews, values)

    async def standing(
        self,
        hotel_id: int,
        provider_id: int,
        *,
        as_of: date,
        score: float | None,
        review_count: int | None = None,
        grades: dict[str, float] | None = None,
    ) -> int:
        values = {
            "hotel_id": hotel_id,
            "provider_id": provider_id,
            "as_of": as_of,
            "score": score,
            "review_count": review_count,
            "grades": grades or {},
        }
        return await self._insert(hotel_provider_standings, values)

    async def refresh_summaries(self) -> None:
        """Recompute every hotel summary and breakdown from the stored reviews."""
        async with write_transaction(self.engine) as connection:
            rows = (await connection.execute(sa.select(reviews))).all()
            totals: dict[int, list[Any]] = {}
            parts: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])
            for r in rows:
                rating = _centi(r.rating_normalized)
                total = totals.setdefault(r.hotel_id, [0, 0, r.review_date])
                total[0] += 1
                total[1] += rating
                total[2] = max(total[2], r.review_date)
                bucket = str(min(10, max(1, int(rating / 100 + 0.5))))
                keys = [("histogram", bucket), ("provider", str(r.provider_id))]
                if r.traveller_type:
                    keys.append(("traveller_type", r.traveller_type))
                for dimension, key in keys:
                    parts[r.hotel_id, dimension, key][0] += 1
                    parts[r.hotel_id, dimension, key][1] += rating
                for aspect, value in (r.aspects or {}).items():
                    parts[r.hotel_id, "aspect", aspect][0] += 1
                    parts[r.hotel_id, "aspect", aspect][1] += _centi(value)
            await connection.execute(hotel_summary_breakdowns.delete())
            await connection.execute(hotel_summaries.delete())
            if totals:
                await connection.execute(
                    hotel_summaries.insert(),
                    [
                        {
                            "hotel_id": hotel,
                            "review_count": count,
                            "rating_sum_centi": total,
                            "rating_mean": total / count / 100,
                            "latest_review_at": latest,
                        }
                        for hotel, (count, total, latest) in totals.items()
                    ],
                )
                await connection.execute(
                    hotel_summary_breakdowns.insert(),
                    [
                        {
                            "hotel_id": hotel,
                            "dimension": dimension,
                            "key": key,
                            "review_count": count,
                            "rating_sum_centi": total,
                        }
                        for (hotel, dimension, key), (count, total) in parts.items()
                    ],
                )
