"""The data version: a counter per scope that every committed ingestion batch increments."""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata

data_versions = sa.Table(
    "data_versions",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)
