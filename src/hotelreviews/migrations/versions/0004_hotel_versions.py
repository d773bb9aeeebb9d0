"""Per-hotel data versions, so that a batch invalidates only the cache entries of the hotels
it touched (and the lists), and a floor under them for changes every hotel page shows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# A frozen copy of the column type: a migration must not change when application code does.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "hotel_versions",
        sa.Column("hotel_id", BigId, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_hotel_versions_version", "hotel_versions", ["version"])
    # Hotels changed before this revision have no row: the floor, starting at the current
    # global version, stands for their version.
    op.execute(
        "INSERT INTO data_versions (scope, version) "
        "SELECT 'hotels', version FROM data_versions WHERE scope = 'reviews'"
    )


def downgrade() -> None:
    op.execute("DELETE FROM data_versions WHERE scope = 'hotels'")
    op.drop_index("ix_hotel_versions_version", table_name="hotel_versions")
    op.drop_table("hotel_versions")
