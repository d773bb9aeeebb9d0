"""What was ingested: one row per ingestion run of a file, and the lines it rejected."""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, JSONDocument, UTCDateTime

ingested_files = sa.Table(
    "ingested_files",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("source_uri", sa.Text, nullable=False),
    sa.Column("display_name", sa.String(500), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),  # sha256 of the bytes as stored
    sa.Column("status", sa.String(16), nullable=False),  # running | succeeded | failed
    sa.Column("forced", sa.Boolean, nullable=False),
    # Progress, committed with each batch: a re-run resumes after lines_done.
    sa.Column("lines_done", sa.BigInteger, nullable=False),
    sa.Column("lines_blank", sa.BigInteger, nullable=False),
    sa.Column("reviews_new", sa.BigInteger, nullable=False),
    sa.Column("reviews_updated", sa.BigInteger, nullable=False),
    sa.Column("reviews_unchanged", sa.BigInteger, nullable=False),
    sa.Column("lines_rejected", sa.BigInteger, nullable=False),
    sa.Column("rejected_by_reason", JSONDocument, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("duration_seconds", sa.Float),
    sa.Column("lines_per_second", sa.Float),
    sa.Column("error", sa.Text),
    # Who queued it through the API (Identity.key: `user:42`, `key:7`); null for runs of the
    # CLI and files a worker's poll found. `ingest` identities see only their own.
    sa.Column("created_by", sa.String(100), index=True),
)

rejected_lines = sa.Table(
    "rejected_lines",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("file_id", BigId, sa.ForeignKey("ingested_files.id"), nullable=False),
    sa.Column("line_number", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("excerpt", sa.Text, nullable=False),  # at most 500 bytes of the line
    sa.UniqueConstraint("file_id", "line_number"),
)


def nothing_counted() -> dict[str, object]:
    """The counts of an ingestion that has not read a line yet (a new dict each time)."""
    return {
        "lines_done": 0,
        "lines_blank": 0,
        "reviews_new": 0,
        "reviews_updated": 0,
        "reviews_unchanged": 0,
        "lines_rejected": 0,
        "rejected_by_reason": {},
    }
