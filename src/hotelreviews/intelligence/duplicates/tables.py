"""The stored duplicate index: `review_signatures` (one row per judged review) and
`review_lsh_buckets` (its LSH band hashes), written by the intelligence runner.

Every judged review has a signatures row, with a null signature when its text is too short to
judge, so nothing judges a review twice; `source_changed_at` is the review's `last_changed_at`
it was judged from (an edited review is judged again, its buckets replaced). The facts the
rules read (hotel, provider, reviewer, dates, rating) are the review's own columns: only the
signature is kept here. Candidates are found by one lookup of a review's (band, bucket) pairs.

The bucket table is its primary key and nothing else (migration 0015): ~25 rows a review,
each one b-tree insert (WITHOUT ROWID on SQLite), no index by review and no foreign key
(`review_signatures` keeps it; nothing deletes reviews). An edited review's old buckets are
the band hashes of the signature it was judged from, so they are deleted by key.
"""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, UTCDateTime

review_signatures = sa.Table(
    "review_signatures",
    metadata,
    sa.Column("review_id", BigId, sa.ForeignKey("reviews.id"), primary_key=True),
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id"), nullable=False),
    # datasketch LeanMinHash bytes (little-endian); null: the text is too short to judge.
    sa.Column("signature", sa.LargeBinary),
    sa.Column("judged_at", UTCDateTime, nullable=False),
    sa.Column("source_changed_at", UTCDateTime, nullable=False),
)

review_lsh_buckets = sa.Table(
    "review_lsh_buckets",
    metadata,
    sa.Column("bucket", sa.BigInteger, nullable=False),
    sa.Column("band", sa.SmallInteger, nullable=False),
    # No foreign key and no index by review (migration 0015): ~25 rows a review, each one
    # b-tree insert. An edited review's old buckets are found by key, from its stored signature.
    sa.Column("review_id", BigId, nullable=False),
    sa.PrimaryKeyConstraint("bucket", "band", "review_id"),
    sqlite_with_rowid=False,
)
