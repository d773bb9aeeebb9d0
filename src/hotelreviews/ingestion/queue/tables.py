"""The ingestion queue: one job per source to ingest, sharing its id with an ingestion.

A queued ingestion gets its `ingested_files` row when it is enqueued (status `queued`, no
checksum yet), so the API has one id space for ingestions run directly and queued ones; the
queue state (attempts, lease, next attempt, progress) lives here under the same id.
"""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, UTCDateTime

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
