"""Every table of every domain, imported so that `metadata` is complete: the schema as a whole,
for Alembic (migrations.env), the CLI and the tests. Core never imports it (it knows no domain)."""

from hotelreviews.audit.tables import audit_events
from hotelreviews.cache.tables import data_versions, hotel_versions
from hotelreviews.core.metadata import metadata
from hotelreviews.events.tables import events
from hotelreviews.hotels.tables import (
    hotel_provider_standings,
    hotel_summaries,
    hotel_summary_breakdowns,
    hotels,
)
from hotelreviews.ingestion.tables import ingested_files, ingestion_jobs, rejected_lines
from hotelreviews.intelligence.alerts.tables import alerts
from hotelreviews.intelligence.duplicates.tables import review_lsh_buckets, review_signatures
from hotelreviews.intelligence.flags.tables import review_flags
from hotelreviews.intelligence.opinions.tables import review_opinions
from hotelreviews.intelligence.recommend.tables import hotel_tastes
from hotelreviews.intelligence.runner.tables import intelligence_progress
from hotelreviews.intelligence.standing.tables import hotel_reputation
from hotelreviews.providers.tables import providers
from hotelreviews.reviews.tables import reviews
from hotelreviews.security.tables import (
    api_keys,
    login_failures,
    refresh_tokens,
    user_hotels,
    users,
)

__all__ = [
    "metadata",
    "providers",
    "hotels",
    "hotel_summaries",
    "hotel_summary_breakdowns",
    "hotel_provider_standings",
    "reviews",
    "ingested_files",
    "rejected_lines",
    "data_versions",
    "hotel_versions",
    "ingestion_jobs",
    "users",
    "user_hotels",
    "refresh_tokens",
    "api_keys",
    "login_failures",
    "audit_events",
    "alerts",
    "events",
    "review_opinions",
    "hotel_reputation",
    "intelligence_progress",
    "review_signatures",
    "review_lsh_buckets",
    "review_flags",
    "hotel_tastes",
]
