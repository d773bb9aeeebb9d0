"""Data versions: the counters ingestion bumps and the response cache keys its entries by.

- `data_versions`: one row per scope. `reviews` is the global version, bumped by every
  committed ingestion batch (hotel lists, search, providers and single reviews are keyed by
  it); `hotels` is a floor under every hotel's own version, raised by a batch that changes
  something every hotel page shows (a provider's name).
- `hotel_versions`: per hotel, the global version of the last batch that touched it. Its
  detail and review pages are keyed by it, so a batch leaves other hotels' entries warm.
"""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId

data_versions = sa.Table(
    "data_versions",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)

hotel_versions = sa.Table(
    "hotel_versions",
    metadata,
    # No foreign key to hotels: hotels are never deleted, and the check would cost every
    # batch a look-up per hotel for nothing.
    sa.Column("hotel_id", BigId, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    # A process catching up reads the hotels changed after the version it knows.
    sa.Index("ix_hotel_versions_version", "version"),
)
