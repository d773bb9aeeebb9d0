"""Ingestion events in the outbox: kind "ingestion" (an ingestion's progress and status), about
no hotel (`hotel_id` nullable, null exactly for that kind), with the `owner` the streams filter
`ingest` identities by (who queued the ingestion).

A downgrade deletes the ingestion events first: the older schema has no place for them (they
are progress notices, already superseded by the ingestion's own row).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import contextlib
import warnings
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OLD_KINDS = ("reviews", "alert")
NEW_KINDS = (*OLD_KINDS, "ingestion")
_KIND_CHECK = "ck_events_kind"
_HOTEL_CHECK = "ck_events_hotel"
_HOTEL_RULE = "(hotel_id IS NULL) = (kind = 'ingestion')"


def _kinds(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _last_sqlite_id() -> int | None:
    """SQLite's AUTOINCREMENT high mark for `events` (None elsewhere): a table rebuilt by a
    batch starts a new one from its rows, and ids of pruned events must never come back."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return None
    found = bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    return found.scalar()


def _restore_sqlite_id(seq: int | None) -> None:
    if seq is None:
        return
    bind = op.get_bind()
    updated = bind.exec_driver_sql(
        "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'events'", (seq,)
    )
    if not updated.rowcount:
        bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)", (seq,))


@contextlib.contextmanager
def _hotels_reflected_quietly() -> Iterator[None]:
    """SQLite's batch rebuilds `events` from its reflection, which follows its foreign key to
    `hotels`: SQLAlchemy then warns that it skips the expression indexes of `hotels`
    (lower(city), lower(country)). That table is not rebuilt and keeps them; the warning
    would only reach a newcomer's terminal (and JSON logs) as noise."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="Skipped unsupported reflection of expression-based index ix_hotels_",
            category=sa.exc.SAWarning,
        )
        yield


def upgrade() -> None:
    seq = _last_sqlite_id()
    with (
        _hotels_reflected_quietly(),
        op.batch_alter_table("events", table_kwargs={"sqlite_autoincrement": True}) as batch,
    ):
        batch.alter_column("hotel_id", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("owner", sa.String(100)))
        batch.drop_constraint(_KIND_CHECK, type_="check")
        batch.create_check_constraint(_KIND_CHECK, _kinds(NEW_KINDS))
        batch.create_check_constraint(_HOTEL_CHECK, _HOTEL_RULE)
    _restore_sqlite_id(seq)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM events WHERE kind = 'ingestion'"))
    seq = _last_sqlite_id()
    with (
        _hotels_reflected_quietly(),
        op.batch_alter_table("events", table_kwargs={"sqlite_autoincrement": True}) as batch,
    ):
        batch.drop_constraint(_HOTEL_CHECK, type_="check")
        batch.drop_constraint(_KIND_CHECK, type_="check")
        batch.create_check_constraint(_KIND_CHECK, _kinds(OLD_KINDS))
        batch.drop_column("owner")
        batch.alter_column("hotel_id", existing_type=sa.BigInteger(), nullable=False)
    _restore_sqlite_id(seq)
