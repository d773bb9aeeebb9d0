"""What was ingested: one row per ingestion run of a file, and the lines it rejected; and the
queue's jobs (`ingestion_jobs`), which share their ids with ingestions (here rather than in
queue/, so that every sub-package can read an ingestion whole: writing.ingestion_rows)."""

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


# The ingestion queue: one job per source to ingest, sharing its id with an ingestion.
# A queued ingestion gets its `ingested_files` row when it is enqueued (status `queued`, no
# checksum yet), so the API has one id space for ingestions run directly and queued ones; the
# queue state (attempts, lease, next attempt, progress) lives here under the same id.
ingestion_jobs = sa.Table(
    "ingestion_jobs",
    metadata,
    sa.Column(
        "id", BigId, sa.ForeignKey("ingested_files.id"), primary_key=True, autoincrement=False
    ),
    sa.Column("source_uri", sa.Text, nullable=False),
    # What the source looked like when it was listed (size and mtime, or ETag and size): a
    # listed file whose identity is already queued is not queued again. None for API requests.
    sa.Column("source_identity", sa.String(200)),
    sa.Column("status", sa.String(16), nullable=False),  # queued|running|retrying|succeeded|dead
    sa.Column("attempts", sa.Integer, nullable=False),  # counted when a worker takes the job
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    # The worker holding the job and until when; kept after the end as the one that finished it.
    sa.Column("lease_owner", sa.String(200)),
    sa.Column("lease_expires_at", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("bytes_total", sa.BigInteger),
    sa.Column("bytes_done", sa.BigInteger, nullable=False),
    sa.Column("lines_done", sa.BigInteger, nullable=False),
    # The run that read the content: this ingestion itself, an unfinished run of the same
    # content that it resumed, or (status skipped on its ingested_files row) an earlier one.
    sa.Column("run_id", BigId, sa.ForeignKey("ingested_files.id")),
    sa.Column("idempotency_key", sa.String(255)),
    sa.Column("request_fingerprint", sa.String(64)),  # sha256 of the normalised request
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.UniqueConstraint("idempotency_key"),
    sa.UniqueConstraint("source_uri", "source_identity"),
    sa.Index(None, "status", "next_attempt_at"),
    sa.Index(None, "status", "lease_expires_at"),
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
