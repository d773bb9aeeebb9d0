"""All the SQL of the response cache: reading and bumping the data version."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.cache.tables import data_versions

# One scope for now: everything the cached API serves changes only through review ingestion.
REVIEWS_SCOPE = "reviews"

_READ = sa.select(data_versions.c.version).where(data_versions.c.scope == REVIEWS_SCOPE)
_BUMP = (
    data_versions.update()
    .where(data_versions.c.scope == REVIEWS_SCOPE)
    .values(version=data_versions.c.version + 1)
)


async def read_data_version(connection: AsyncConnection) -> int:
    """The committed data version."""
    return int((await connection.execute(_READ)).scalar_one())


async def bump_data_version(connection: AsyncConnection) -> None:
    """Increment the data version inside the caller's write transaction.

    Run it as the transaction's last statement: on PostgreSQL the update locks the one row
    every writer shares, so it is then held only for the commit.
    """
    await connection.execute(_BUMP)
