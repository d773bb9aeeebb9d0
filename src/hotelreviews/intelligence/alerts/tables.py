"""`alerts`: one row per alert raised. A detector names each alert with a stable key (hotel,
kind, aspect, onset…), so raising it again as more data arrives stores nothing new — and
leaves the state people gave it (open, acknowledged, resolved) as it is."""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, JSONDocument, UTCDateTime

ALERT_KINDS = ("rating_drop", "volume_burst", "aspect_deterioration", "suspicious_duplicates")
ALERT_STATUSES = ("open", "acknowledged", "resolved")
# The note people may leave with a change of state: a sentence or two, not a report.
STATUS_NOTE_MAX_LENGTH = 500

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("alert_key", sa.String(200), nullable=False, unique=True),
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id"), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    # One of the ten aspect keys for aspect_deterioration; null otherwise.
    sa.Column("aspect", sa.String(16)),
    # The review the alert is about, when there is one (a flagged near-duplicate).
    sa.Column("review_id", BigId, sa.ForeignKey("reviews.id")),
    # When the change began (the detector's estimate) and when it was detected.
    sa.Column("onset", sa.Date, nullable=False),
    sa.Column("detected_at", UTCDateTime, nullable=False),
    sa.Column("severity", sa.Float, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("evidence", JSONDocument, nullable=False),
    # What people did about it (intelligence.alerts.states): every alert is raised open.
    sa.Column("status", sa.String(16), nullable=False, server_default=sa.text("'open'")),
    sa.Column("status_changed_at", UTCDateTime),
    # The Identity.key of whoever changed it last ("user:42", "key:7"); null while untouched.
    sa.Column("status_changed_by", sa.String(64)),
    sa.Column("status_note", sa.String(STATUS_NOTE_MAX_LENGTH)),
    sa.CheckConstraint(
        "kind IN (" + ", ".join(f"'{kind}'" for kind in ALERT_KINDS) + ")",
        name="kind",
    ),
    sa.CheckConstraint(
        "status IN (" + ", ".join(f"'{status}'" for status in ALERT_STATUSES) + ")",
        name="status",
    ),
    sa.Index("ix_alerts_detected_at_id", "detected_at", "id"),
    sa.Index("ix_alerts_hotel_id_detected_at_id", "hotel_id", "detected_at", "id"),
    sa.Index("ix_alerts_status_detected_at_id", "status", "detected_at", "id"),
)
