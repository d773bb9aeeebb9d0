"""All the SQL of the response cache: reading and bumping the data versions."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.cache.tables import data_versions, hotel_versions
from hotelreviews.providers.tables import providers

# The global version: every committed ingestion batch bumps it.
REVIEWS_SCOPE = "reviews"
# The floor under every hotel's version (see cache.tables).
HOTELS_SCOPE = "hotels"

_READ = sa.select(data_versions.c.version).where(data_versions.c.scope == REVIEWS_SCOPE)
_READ_BOTH = sa.select(data_versions.c.scope, data_versions.c.version).where(
    data_versions.c.scope.in_([REVIEWS_SCOPE, HOTELS_SCOPE])
)
_BUMP = (
    data_versions.update()
    .where(data_versions.c.scope == REVIEWS_SCOPE)
    .values(version=data_versions.c.version + 1)
    .returning(data_versions.c.version)
)
_RAISE_FLOOR = (
    data_versions.update()
    .where(data_versions.c.scope == HOTELS_SCOPE)
    .values(version=sa.bindparam("floor", type_=sa.BigInteger))
)
_HOTELS_SINCE = sa.select(hotel_versions.c.hotel_id, hotel_versions.c.version).where(
    hotel_versions.c.version > sa.bindparam("since", type_=sa.BigInteger)
)
_UNNAMED = (
    sa.select(providers.c.id)
    .where(providers.c.key.in_(sa.bindparam("keys", expanding=True)), providers.c.name.is_(None))
    .limit(1)
)


async def read_data_version(connection: AsyncConnection) -> int:
    """The committed global data version."""
    return int((await connection.execute(_READ)).scalar_one())


async def read_versions(connection: AsyncConnection) -> tuple[int, int]:
    """The committed global version and the hotels' floor, in one statement (one snapshot)."""
    rows = {scope: version for scope, version in await connection.execute(_READ_BOTH)}
    return int(rows[REVIEWS_SCOPE]), int(rows[HOTELS_SCOPE])


async def hotel_versions_since(connection: AsyncConnection, *, since: int) -> list[tuple[int, int]]:
    """(hotel id, version) of every hotel changed by a batch after version `since`."""
    result = await connection.execute(_HOTELS_SINCE, {"since": since})
    return [(int(hotel_id), int(version)) for hotel_id, version in result]


async def bump_versions(
    connection: AsyncConnection, *, hotel_ids: Collection[int], all_hotels: bool = False
) -> int:
    """Bump the global version inside the caller's write transaction; mark the hotels the
    batch touched (or, with all_hotels, every hotel) as changed at it. Returns the version.

    Run it as the transaction's last statements: on PostgreSQL the global row's lock, which
    every writer needs, is then held only for these and the commit. Taking it first also
    orders the hotel rows' updates across writers (no deadlock between them).
    """
    version = int((await connection.execute(_BUMP)).scalar_one())
    if hotel_ids:
        ids = sorted(hotel_ids)
        if connection.dialect.name == "postgresql":
            await connection.execute(_hotels_upsert("postgresql"), {"ids": ids, "version": version})
        else:
            rows = [{"hotel_id": hotel_id, "version": version} for hotel_id in ids]
            await connection.execute(_hotels_upsert("sqlite"), rows)
    if all_hotels:
        await connection.execute(_RAISE_FLOOR, {"floor": version})
    return version


async def names_unnamed_provider(connection: AsyncConnection, *, keys: Collection[str]) -> bool:
    """Whether any of these providers is stored without a name (which an upsert then fills in,
    changing what every page that names the provider shows)."""
    if not keys:
        return False
    result = await connection.execute(_UNNAMED, {"keys": sorted(keys)})
    return result.first() is not None


_UPSERTS: dict[str, sa.Insert] = {}


def _hotels_upsert(dialect: str) -> sa.Insert:
    """Set hotels' versions; PostgreSQL takes the ids as one array (one statement, any count)."""
    if dialect not in _UPSERTS:
        if dialect == "postgresql":
            ids = (
                sa.func.unnest(sa.bindparam("ids", type_=postgresql.ARRAY(sa.BigInteger)))
                .table_valued("hotel_id")
                .render_derived()
            )
            statement = postgresql.insert(hotel_versions).from_select(
                ["hotel_id", "version"],
                sa.select(ids.c.hotel_id, sa.bindparam("version", type_=sa.BigInteger)),
            )
        else:
            statement = sqlite.insert(hotel_versions)
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=["hotel_id"], set_={"version": statement.excluded.version}
        )
    return _UPSERTS[dialect]
