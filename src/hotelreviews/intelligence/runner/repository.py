"""The SQL of the runner: its cursor, the events to follow, the reviews to analyse, a hotel's
reviews with their opinions, and the stored reputation rows."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.core.types import sqlite_utc_text
from hotelreviews.events.tables import events
from hotelreviews.hotels.tables import hotel_provider_standings, hotels
from hotelreviews.intelligence.alerts.tables import alerts
from hotelreviews.intelligence.opinions.tables import review_opinions
from hotelreviews.intelligence.recommend.tables import hotel_tastes
from hotelreviews.intelligence.runner.tables import intelligence_progress
from hotelreviews.intelligence.standing.tables import hotel_reputation
from hotelreviews.providers.tables import providers
from hotelreviews.reviews.tables import reviews

r, o, p = reviews.c, review_opinions.c, intelligence_progress.c
hr, h, ev, ht = hotel_reputation.c, hotels.c, events.c, hotel_tastes.c
# Ids bound per IN list: under SQLite's limit of bound parameters per statement.
_IDS_PER_STATEMENT = 5000


# pg_advisory_xact_lock's key for "a runner is writing": any constant the app uses for nothing
# else (b"hrintel" as an integer).
_RUNNERS_LOCK = 0x6872_696E_7465_6C
_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=_RUNNERS_LOCK)


async def take_turn(connection: AsyncConnection) -> None:
    """Wait until no other runner's write transaction is open, and hold the turn to the commit
    (PostgreSQL; SQLite's writers take turns anyway). Runners then never write at once: a
    resynchronisation, which has no cursor row to lock, included."""
    if connection.dialect.name == "postgresql":
        await connection.execute(_LOCK)


def _insert(connection: AsyncConnection) -> Any:
    return (postgresql if connection.dialect.name == "postgresql" else sqlite).insert


async def read_cursor(connection: AsyncConnection) -> int | None:
    """The last event id applied (None: the runner never ran)."""
    statement = sa.select(p.last_event_id).where(p.id == 1)
    return (await connection.execute(statement)).scalar_one_or_none()


async def save_cursor(connection: AsyncConnection, *, last_event_id: int, now: datetime) -> None:
    insert = _insert(connection)(intelligence_progress).values(
        id=1, last_event_id=last_event_id, updated_at=now
    )
    await connection.execute(
        insert.on_conflict_do_update(
            index_elements=[p.id],
            set_={"last_event_id": last_event_id, "updated_at": now},
        )
    )


async def oldest_event_id(connection: AsyncConnection) -> int | None:
    return (await connection.execute(sa.select(sa.func.min(ev.id)))).scalar_one()


async def events_after(connection: AsyncConnection, *, after: int, limit: int) -> list[Row[Any]]:
    """Up to `limit` events (every kind: the cursor moves past alerts too) after `after`."""
    statement = (
        sa.select(ev.id, ev.kind, ev.hotel_id).where(ev.id > after).order_by(ev.id).limit(limit)
    )
    return list((await connection.execute(statement)).all())


async def hotel_ids_after(connection: AsyncConnection, *, after: int, limit: int) -> list[int]:
    statement = sa.select(h.id).where(h.id > after).order_by(h.id).limit(limit)
    return list((await connection.execute(statement)).scalars())


async def reviews_to_analyse(
    connection: AsyncConnection, *, hotel_ids: Collection[int]
) -> list[Row[Any]]:
    """The hotels' reviews with no stored opinions, or opinions of an older version (`edited`
    true), with what the index needs of them (provider key, rating, scale) and what the tastes
    need (as reviews_of_hotels)."""
    statement = (
        sa.select(
            r.id,
            r.hotel_id,
            providers.c.key.label("provider"),
            r.rating,
            r.rating_scale,
            o.review_id.is_not(None).label("edited"),
            r.title,
            r.text,
            r.positives,
            r.negatives,
            r.language,
            r.rating_normalized,
            r.review_date,
            r.last_changed_at,
            r.traveller_type,  # for the tastes step, which takes these rows (no second read)
        )
        .select_from(
            reviews.join(providers, providers.c.id == r.provider_id).outerjoin(
                review_opinions, o.review_id == r.id
            )
        )
        .where(
            r.hotel_id.in_(sorted(hotel_ids)),
            sa.or_(o.review_id.is_(None), o.source_changed_at != r.last_changed_at),
        )
        .order_by(r.id)
    )
    return list((await connection.execute(statement)).all())


_OPINION_COLUMNS = (
    "review_id",
    "hotel_id",
    "review_day",
    "language",
    "opinions",
    "analysed_at",
    "source_changed_at",
)
# The same upsert as store_opinions' SQLAlchemy statement, for the driver's executemany.
_SQLITE_UPSERT_OPINIONS = (
    f"INSERT INTO review_opinions ({', '.join(_OPINION_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _OPINION_COLUMNS)}) "
    "ON CONFLICT (review_id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in _OPINION_COLUMNS[1:])
)


async def store_opinions(connection: AsyncConnection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace the rows (keyed by review_id)."""
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        # The driver's executemany with the values already in SQLite's storage formats (as
        # ingestion's bulk_load): SQLAlchemy's per-row parameter processing (JSON, dates) cost
        # more than SQLite's own work. Same upsert, so a re-run still replaces.
        await connection.exec_driver_sql(
            _SQLITE_UPSERT_OPINIONS,
            [
                (
                    row["review_id"],
                    row["hotel_id"],
                    row["review_day"].isoformat(),
                    row["language"],
                    orjson.dumps(row["opinions"]).decode(),
                    sqlite_utc_text(row["analysed_at"]),
                    sqlite_utc_text(row["source_changed_at"]),
                )
                for row in rows
            ],
        )
        return
    insert = _insert(connection)(review_opinions)
    excluded = insert.excluded
    statement = insert.on_conflict_do_update(
        index_elements=[o.review_id],
        set_={name: getattr(excluded, name) for name in _OPINION_COLUMNS[1:]},
    )
    await connection.execute(statement, list(rows))


async def hotel_reviews(
    connection: AsyncConnection, *, hotel_id: int, since: datetime | None = None
) -> list[Row[Any]]:
    """The hotel's reviews (dated `since` or later; None: all) with their provider's key and
    their stored opinions (or None)."""
    statement = (
        sa.select(
            r.id,
            providers.c.key.label("provider"),
            r.rating,
            r.rating_scale,
            r.review_date,
            o.opinions,
        )
        .select_from(
            reviews.join(providers, providers.c.id == r.provider_id).outerjoin(
                review_opinions, o.review_id == r.id
            )
        )
        .where(r.hotel_id == hotel_id)
    )
    if since is not None:
        statement = statement.where(r.review_date >= since)
    return list((await connection.execute(statement)).all())


async def hotels_grades(
    connection: AsyncConnection, *, hotel_ids: Collection[int]
) -> dict[int, list[Row[Any]]]:
    """Each hotel's latest provider standing (category grades) per provider, each with its
    provider's scale, in one statement for all the hotels (per hotel, a step touching
    hundreds of hotels paid a round trip each). Only the latest: the state keeps the newest
    grade of each name anyway, and a hotel collects a snapshot per delivery."""
    s = hotel_provider_standings.c
    found: dict[int, list[Row[Any]]] = {}
    ids = sorted(hotel_ids)
    for start in range(0, len(ids), _IDS_PER_STATEMENT):
        chunk = ids[start : start + _IDS_PER_STATEMENT]
        latest = (
            sa.select(s.hotel_id, s.provider_id, sa.func.max(s.as_of).label("as_of"))
            .where(s.hotel_id.in_(chunk))
            .group_by(s.hotel_id, s.provider_id)
            .subquery()
        )
        statement = (
            sa.select(
                s.hotel_id,
                providers.c.key.label("provider"),
                providers.c.rating_scale,
                s.as_of,
                s.grades,
            )
            .select_from(
                hotel_provider_standings.join(
                    latest,
                    sa.and_(
                        s.hotel_id == latest.c.hotel_id,
                        s.provider_id == latest.c.provider_id,
                        s.as_of == latest.c.as_of,
                    ),
                ).join(providers, providers.c.id == s.provider_id)
            )
            .order_by(s.hotel_id, providers.c.key)
        )
        for row in (await connection.execute(statement)).all():
            found.setdefault(row.hotel_id, []).append(row)
    return found


async def hotel_places(
    connection: AsyncConnection, *, hotel_ids: Collection[int]
) -> list[Row[Any]]:
    """(id, city, stars) of the hotels that exist among `hotel_ids`."""
    statement = sa.select(h.id, h.city, h.stars).where(h.id.in_(sorted(hotel_ids)))
    return list((await connection.execute(statement)).all())


async def stored_states(
    connection: AsyncConnection, *, city_keys: Collection[str], hotel_ids: Collection[int]
) -> dict[int, Any]:
    """The stored reputation states of the cities' hotels and of `hotel_ids`, by hotel id."""
    statement = sa.select(hr.hotel_id, hr.city_key, hr.state, hr.rank, hr.set_size).where(
        sa.or_(hr.city_key.in_(sorted(city_keys)), hr.hotel_id.in_(sorted(hotel_ids)))
    )
    return {row.hotel_id: row for row in (await connection.execute(statement)).all()}


async def upsert_reputations(
    connection: AsyncConnection, *, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert or replace the hotels' reputation rows: one statement, executed for many."""
    if not rows:
        return
    insert = _insert(connection)(hotel_reputation)
    excluded = insert.excluded
    await connection.execute(
        insert.on_conflict_do_update(
            index_elements=[hr.hotel_id],
            set_={name: getattr(excluded, name) for name in rows[0] if name != "hotel_id"},
        ),
        list(rows),
    )


async def sets_members(
    connection: AsyncConnection, *, sets: Collection[tuple[str, str]]
) -> dict[tuple[str, str], list[Row[Any]]]:
    """(hotel_id, index, rank, set_size) of the stored members of each competitive set
    (city key, band), in one statement for all the sets."""
    if not sets:
        return {}
    wanted = set(sets)
    statement = sa.select(
        hr.hotel_id, hr.city_key, hr.band, hr.reputation_index, hr.rank, hr.set_size
    ).where(hr.city_key.in_(sorted({city for city, _ in wanted})))
    found: dict[tuple[str, str], list[Row[Any]]] = {key: [] for key in wanted}
    for row in (await connection.execute(statement)).all():
        if (row.city_key, row.band) in wanted:
            found[(row.city_key, row.band)].append(row)
    return found


async def set_ranks(connection: AsyncConnection, *, ranks: Sequence[tuple[int, int, int]]) -> None:
    """Store (hotel id, rank, set size) of hotels whose rank moved: one statement, many rows."""
    if not ranks:
        return
    statement = (
        sa.update(hotel_reputation)
        .where(hr.hotel_id == sa.bindparam("id"))
        .values(rank=sa.bindparam("new_rank"), set_size=sa.bindparam("new_size"))
    )
    await connection.execute(
        statement,
        [{"id": hotel, "new_rank": rank, "new_size": size} for hotel, rank, size in ranks],
    )


async def stored_alerts(connection: AsyncConnection, *, hotel_id: int) -> list[Row[Any]]:
    a = alerts.c
    statement = (
        sa.select(a.alert_key, a.kind, a.aspect, a.onset, a.detected_at, a.severity, a.message)
        .where(a.hotel_id == hotel_id, a.kind != "suspicious_duplicates")
        .order_by(a.detected_at, a.id)
    )
    return list((await connection.execute(statement)).all())


async def alert_ids(connection: AsyncConnection, *, keys: Collection[str]) -> dict[str, int]:
    a = alerts.c
    statement = sa.select(a.alert_key, a.id).where(a.alert_key.in_(sorted(keys)))
    return {key: alert_id for key, alert_id in (await connection.execute(statement)).all()}


async def stored_tastes(
    connection: AsyncConnection, *, hotel_ids: Collection[int]
) -> dict[int, Row[Any]]:
    """The stored `hotel_tastes` rows (hotel_id, ratings, terms, reviews) of the hotels."""
    statement = sa.select(ht.hotel_id, ht.ratings, ht.terms, ht.reviews).where(
        ht.hotel_id.in_(sorted(hotel_ids))
    )
    return {row.hotel_id: row for row in (await connection.execute(statement)).all()}


_TASTE_COLUMNS = (
    r.id,
    r.hotel_id,
    r.traveller_type,
    r.rating_normalized,
    r.title,
    r.text,
    r.positives,
    r.negatives,
)


async def analysed_reviews_of_hotels(
    connection: AsyncConnection, *, hotel_ids: Collection[int]
) -> list[Row[Any]]:
    """What tastes need (hotel, traveller type, rating /10, texts) of the hotels' reviews whose
    stored opinions are current: every review of theirs but those reviews_to_analyse returns,
    which the tastes step takes from the analysis (rebuilding a hotel's tastes)."""
    if not hotel_ids:
        return []
    statement = (
        sa.select(*_TASTE_COLUMNS)
        .select_from(reviews.join(review_opinions, o.review_id == r.id))
        .where(r.hotel_id.in_(sorted(hotel_ids)), o.source_changed_at == r.last_changed_at)
        .order_by(r.id)
    )
    return list((await connection.execute(statement)).all())


async def upsert_tastes(connection: AsyncConnection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace the hotels' `hotel_tastes` rows."""
    if not rows:
        return
    insert = _insert(connection)(hotel_tastes)
    excluded = insert.excluded
    await connection.execute(
        insert.on_conflict_do_update(
            index_elements=[ht.hotel_id],
            set_={
                name: getattr(excluded, name)
                for name in ("ratings", "terms", "reviews", "updated_at")
            },
        ),
        list(rows),
    )
