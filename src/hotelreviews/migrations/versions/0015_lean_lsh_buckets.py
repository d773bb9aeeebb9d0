"""A leaner `review_lsh_buckets`: its primary key (bucket, band, review_id) is its only index,
with no foreign key to reviews, and on SQLite the table is WITHOUT ROWID (one b-tree).

Each judged review writes ~25 bucket rows at random positions. On SQLite a row cost a rowid
table insert, a primary key index insert, a review_id index insert and a foreign key probe;
now it is one b-tree insert. The review_id index only served the replacement of an edited
review's buckets, which are now found by key, from the band hashes of the signature stored in
`review_signatures` (which keeps its foreign key to reviews; nothing deletes reviews). On
PostgreSQL the index and the foreign key's per-row trigger go; the heap stays.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when application code does.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_TABLE = "review_lsh_buckets"
_REBUILT = "review_lsh_buckets_rebuilt"
_INDEX = "ix_review_lsh_buckets_review_id"
_FK = "fk_review_lsh_buckets_review_id_reviews"


def _rebuild_on_sqlite(*, with_rowid: bool) -> None:
    """SQLite cannot change a table's storage or constraints in place: copy it into a new one
    (in primary key order) and swap the names."""
    review_id = (
        sa.Column("review_id", BigId, sa.ForeignKey("reviews.id", name=_FK), nullable=False)
        if with_rowid
        else sa.Column("review_id", BigId, nullable=False)
    )
    op.create_table(
        _REBUILT,
        sa.Column("bucket", sa.BigInteger, nullable=False),
        sa.Column("band", sa.SmallInteger, nullable=False),
        review_id,
        sa.PrimaryKeyConstraint("bucket", "band", "review_id", name="pk_review_lsh_buckets"),
        sqlite_with_rowid=with_rowid,
    )
    op.execute(
        f"INSERT INTO {_REBUILT} (bucket, band, review_id) "
        f"SELECT bucket, band, review_id FROM {_TABLE} ORDER BY bucket, band, review_id"
    )
    op.drop_table(_TABLE)
    op.rename_table(_REBUILT, _TABLE)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite(with_rowid=False)  # the review_id index goes with the old table
    else:
        op.drop_index(_INDEX, table_name=_TABLE)
        op.drop_constraint(_FK, _TABLE, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite(with_rowid=True)
    else:
        op.create_foreign_key(_FK, _TABLE, "reviews", ["review_id"], ["id"])
    op.create_index(_INDEX, _TABLE, ["review_id"])
