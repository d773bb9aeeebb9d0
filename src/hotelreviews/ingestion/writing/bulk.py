"""Bulk loads into an empty store: the reviews' secondary indexes built after the load.

Maintaining the full-text (GIN) index and the two page indexes row by row is most of what a
review costs PostgreSQL; building them once over the loaded table is a sort, as pg_restore
does. Only for an empty `reviews` table: on a store in use, searches and review pages would
scan the table meanwhile.

A bulk load is an ordinary ingestion in every other way (batches, progress, resume). A crash
mid-load leaves the indexes missing, which marks the load as interrupted: a bulk re-run
resumes it, and any ingestion without --bulk first builds what is missing.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import write_transaction
from hotelreviews.ingestion.writing import repository as repo


class BulkRefused(Exception):
    """A bulk load asked for on a store that already holds reviews."""


async def start_bulk_load(engine: AsyncEngine) -> None:
    """Drop the deferred indexes, if `reviews` is empty or a bulk load was interrupted."""
    async with write_transaction(engine) as connection:
        deferred = set(repo.deferred_indexes(connection.dialect.name))
        present = await repo.review_indexes(connection)
        interrupted = not deferred <= present
        if not interrupted and await repo.any_review(connection):
            raise BulkRefused(
                "--bulk loads into an empty database only, and this one already holds "
                "reviews (its search index is kept up to date row by row instead): "
                "run the same command without --bulk"
            )
        await repo.drop_indexes(connection, names=sorted(deferred & present))


async def restore_indexes(engine: AsyncEngine) -> list[str]:
    """Build the deferred indexes `reviews` lacks (after a bulk load, or an interrupted
    one); returns their names."""
    async with write_transaction(engine) as connection:
        deferred = set(repo.deferred_indexes(connection.dialect.name))
        missing = sorted(deferred - await repo.review_indexes(connection))
        if missing:
            await repo.create_indexes(connection, names=missing)
    return missing
