"""Initial schema: providers, hotels, reviews, summaries, standings, ingestion records, search.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when application code does.
Timestamp = sa.DateTime(timezone=True)
Document = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# PostgreSQL full-text search: title weighs more than the body. 'simple' keeps every language
# searchable the same way (no stemming), since reviews arrive in many languages.
SEARCH_VECTOR_SQL = """
    setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') ||
    setweight(to_tsvector('simple'::regconfig,
        coalesce(text, '') || ' ' || coalesce(positives, '') || ' ' || coalesce(negatives, '')),
        'B')
"""

SQLITE_FTS_COLUMNS = "title, text, positives, negatives"


def upgrade() -> None:
    op.create_table(
        "providers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("rating_scale", sa.Float, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.UniqueConstraint("key", name="uq_providers_key"),
    )
    op.create_table(
        "hotels",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("city", sa.String(200)),
        sa.Column("country", sa.String(200)),
        sa.Column("address", sa.String(500)),
        sa.Column("stars", sa.Float),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("amenities", Document),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.UniqueConstraint("external_id", name="uq_hotels_external_id"),
    )
    op.create_index("ix_hotels_city_lower", "hotels", [sa.text("lower(city)")])
    op.create_index("ix_hotels_country_lower", "hotels", [sa.text("lower(country)")])
    op.create_index("ix_hotels_name_id", "hotels", ["name", "id"])

    op.create_table(
        "hotel_summaries",
        sa.Column(
            "hotel_id",
            BigId,
            sa.ForeignKey("hotels.id", name="fk_hotel_summaries_hotel_id_hotels"),
            primary_key=True,
        ),
        sa.Column("review_count", sa.Integer, nullable=False),
        sa.Column("rating_sum_centi", sa.BigInteger, nullable=False),
        sa.Column("rating_mean", sa.Float),
        sa.Column("latest_review_at", Timestamp),
    )
    # Hotel list sorts: by rating and by review count, ties broken by id for keyset paging.
    op.create_index(
        "ix_hotel_summaries_rating_mean", "hotel_summaries", ["rating_mean", "hotel_id"]
    )
    op.create_index(
        "ix_hotel_summaries_review_count", "hotel_summaries", ["review_count", "hotel_id"]
    )

    op.create_table(
        "hotel_summary_breakdowns",
        sa.Column(
            "hotel_id",
            BigId,
            sa.ForeignKey("hotels.id", name="fk_hotel_summary_breakdowns_hotel_id_hotels"),
            primary_key=True,
        ),
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("review_count", sa.Integer, nullable=False),
        sa.Column("rating_sum_centi", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "hotel_provider_standings",
        sa.Column("id", BigId, primary_key=True),
        sa.Column(
            "hotel_id",
            BigId,
            sa.ForeignKey("hotels.id", name="fk_hotel_provider_standings_hotel_id_hotels"),
            nullable=False,
        ),
        sa.Column(
            "provider_id",
            sa.Integer,
            sa.ForeignKey("providers.id", name="fk_hotel_provider_standings_provider_id_providers"),
            nullable=False,
        ),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("review_count", sa.Integer),
        sa.Column("grades", Document, nullable=False),
        sa.UniqueConstraint(
            "hotel_id",
            "provider_id",
            "as_of",
            name="uq_hotel_provider_standings_hotel_id_provider_id_as_of",
        ),
    )

    op.create_table(
        "ingested_files",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("source_uri", sa.Text, nullable=False),
        sa.Column("display_name", sa.String(500), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("forced", sa.Boolean, nullable=False),
        sa.Column("lines_done", sa.BigInteger, nullable=False),
        sa.Column("lines_blank", sa.BigInteger, nullable=False),
        sa.Column("reviews_new", sa.BigInteger, nullable=False),
        sa.Column("reviews_updated", sa.BigInteger, nullable=False),
        sa.Column("reviews_unchanged", sa.BigInteger, nullable=False),
        sa.Column("lines_rejected", sa.BigInteger, nullable=False),
        sa.Column("rejected_by_reason", Document, nullable=False),
        sa.Column("started_at", Timestamp, nullable=False),
        sa.Column("finished_at", Timestamp),
        sa.Column("duration_seconds", sa.Float),
        sa.Column("lines_per_second", sa.Float),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_ingested_files_checksum", "ingested_files", ["checksum", "status"])
    op.create_index("ix_ingested_files_started_at", "ingested_files", ["started_at", "id"])

    op.create_table(
        "rejected_lines",
        sa.Column("id", BigId, primary_key=True),
        sa.Column(
            "file_id",
            BigId,
            sa.ForeignKey("ingested_files.id", name="fk_rejected_lines_file_id_ingested_files"),
            nullable=False,
        ),
        sa.Column("line_number", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("excerpt", sa.Text, nullable=False),
        sa.UniqueConstraint("file_id", "line_number", name="uq_rejected_lines_file_id_line_number"),
    )

    op.create_table(
        "reviews",
        sa.Column("id", BigId, primary_key=True),
        sa.Column(
            "provider_id",
            sa.Integer,
            sa.ForeignKey("providers.id", name="fk_reviews_provider_id_providers"),
            nullable=False,
        ),
        sa.Column("provider_review_id", sa.String(128), nullable=False),
        sa.Column(
            "hotel_id",
            BigId,
            sa.ForeignKey("hotels.id", name="fk_reviews_hotel_id_hotels"),
            nullable=False,
        ),
        sa.Column("rating", sa.Float, nullable=False),
        sa.Column("rating_scale", sa.Float, nullable=False),
        sa.Column("rating_normalized", sa.Float, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("text", sa.Text),
        sa.Column("positives", sa.Text),
        sa.Column("negatives", sa.Text),
        sa.Column("language", sa.String(16)),
        sa.Column("review_date", Timestamp, nullable=False),
        sa.Column("review_date_offset_minutes", sa.SmallInteger, nullable=False),
        sa.Column("review_date_offset_missing", sa.Boolean, nullable=False),
        sa.Column("stay_month", sa.Date),
        sa.Column("traveller_type", sa.String(16)),
        sa.Column("room_type", sa.String(300)),
        sa.Column("length_of_stay", sa.Integer),
        sa.Column("reviewer_country", sa.String(200)),
        sa.Column("reviewer_name", sa.String(200)),
        sa.Column("reviewer_review_count", sa.Integer),
        sa.Column("reviewer_is_expert", sa.Boolean),
        sa.Column("has_response", sa.Boolean, nullable=False),
        sa.Column("response_responder", sa.String(300)),
        sa.Column("response_text", sa.Text),
        sa.Column("response_date_text", sa.String(100)),
        sa.Column("aspects", Document, nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("first_seen_at", Timestamp, nullable=False),
        sa.Column("last_changed_at", Timestamp, nullable=False),
        sa.Column(
            "source_file_id",
            BigId,
            sa.ForeignKey("ingested_files.id", name="fk_reviews_source_file_id_ingested_files"),
            nullable=False,
        ),
        sa.UniqueConstraint(
            "provider_id", "provider_review_id", name="uq_reviews_provider_id_provider_review_id"
        ),
    )
    # A hotel's review page: newest/oldest and highest/lowest, id as the keyset tie-breaker.
    op.create_index("ix_reviews_hotel_date", "reviews", ["hotel_id", "review_date", "id"])
    op.create_index("ix_reviews_hotel_rating", "reviews", ["hotel_id", "rating_normalized", "id"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE reviews ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({SEARCH_VECTOR_SQL}) STORED"
        )
        op.execute("CREATE INDEX ix_reviews_search_vector ON reviews USING gin (search_vector)")
    else:
        _create_sqlite_fts()


def _create_sqlite_fts() -> None:
    # An external-content FTS5 index over reviews, kept in step by triggers.
    op.execute(
        f"CREATE VIRTUAL TABLE reviews_fts USING fts5({SQLITE_FTS_COLUMNS}, "
        "content='reviews', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    new_values = "new.title, new.text, new.positives, new.negatives"
    old_values = "old.title, old.text, old.positives, old.negatives"
    op.execute(
        "CREATE TRIGGER reviews_fts_insert AFTER INSERT ON reviews BEGIN "
        f"INSERT INTO reviews_fts(rowid, {SQLITE_FTS_COLUMNS}) VALUES (new.id, {new_values}); END"
    )
    op.execute(
        "CREATE TRIGGER reviews_fts_delete AFTER DELETE ON reviews BEGIN "
        f"INSERT INTO reviews_fts(reviews_fts, rowid, {SQLITE_FTS_COLUMNS}) "
        f"VALUES ('delete', old.id, {old_values}); END"
    )
    op.execute(
        "CREATE TRIGGER reviews_fts_update AFTER UPDATE OF title, text, positives, negatives "
        "ON reviews BEGIN "
        f"INSERT INTO reviews_fts(reviews_fts, rowid, {SQLITE_FTS_COLUMNS}) "
        f"VALUES ('delete', old.id, {old_values}); "
        f"INSERT INTO reviews_fts(rowid, {SQLITE_FTS_COLUMNS}) VALUES (new.id, {new_values}); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("reviews_fts_insert", "reviews_fts_delete", "reviews_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS reviews_fts")
    for table in (
        "reviews",
        "rejected_lines",
        "ingested_files",
        "hotel_provider_standings",
        "hotel_summary_breakdowns",
        "hotel_summaries",
        "hotels",
        "providers",
    ):
        op.drop_table(table)
