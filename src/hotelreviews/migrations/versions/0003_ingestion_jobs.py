"""Ingestion jobs: the queue the worker takes ingestions from (leases, retries, progress).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when application code does.
Timestamp = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ingestion_jobs",
        # The id of the ingestion (ingested_files row) reserved when the job was queued.
        sa.Column(
            "id",
            BigId,
            sa.ForeignKey("ingested_files.id", name="fk_ingestion_jobs_id_ingested_files"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("source_uri", sa.Text, nullable=False),
        sa.Column("source_identity", sa.String(200)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=False),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_expires_at", Timestamp),
        sa.Column("last_error", sa.Text),
        sa.Column("bytes_total", sa.BigInteger),
        sa.Column("bytes_done", sa.BigInteger, nullable=False),
        sa.Column("lines_done", sa.BigInteger, nullable=False),
        sa.Column(
            "run_id",
            BigId,
            sa.ForeignKey("ingested_files.id", name="fk_ingestion_jobs_run_id_ingested_files"),
        ),
        sa.Column("idempotency_key", sa.String(255)),
        sa.Column("request_fingerprint", sa.String(64)),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("finished_at", Timestamp),
        sa.UniqueConstraint("idempotency_key", name="uq_ingestion_jobs_idempotency_key"),
        # A listed file is queued once per version (size/mtime, ETag/size) of it.
        sa.UniqueConstraint(
            "source_uri",
            "source_identity",
            name="uq_ingestion_jobs_source_uri_source_identity",
        ),
    )
    # The claim: due queued/retrying jobs, and running jobs whose lease has expired.
    op.create_index(
        "ix_ingestion_jobs_status_next_attempt_at", "ingestion_jobs", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_ingestion_jobs_status_lease_expires_at",
        "ingestion_jobs",
        ["status", "lease_expires_at"],
    )


def downgrade() -> None:
    op.drop_table("ingestion_jobs")
    # Ingestions reserved for jobs that never read a line carry no data (no reviews, no
    # rejected lines point at them) and statuses the older schema does not know.
    op.execute("DELETE FROM ingested_files WHERE status IN ('queued', 'skipped')")
