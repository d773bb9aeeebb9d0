"""`audit_events`: one row per recorded action. Rows are only ever inserted.

The database refuses UPDATE and DELETE (triggers, migration 0006), so a bug or an injected
statement cannot rewrite history through the application's own connection.
"""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, JSONDocument, UTCDateTime

audit_events = sa.Table(
    "audit_events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    # user | key | anonymous | cli | system
    sa.Column("actor_kind", sa.String(20), nullable=False),
    sa.Column("actor_id", sa.BigInteger),
    # A user name, an API key's prefix, or the OS user of a CLI run: never a secret.
    sa.Column("actor_label", sa.String(200)),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target_kind", sa.String(32)),
    sa.Column("target_id", sa.String(200)),
    sa.Column("outcome", sa.String(16), nullable=False),  # success | failure | denied
    sa.Column("client_address", sa.String(100)),
    sa.Column("request_id", sa.String(100)),
    sa.Column("details", JSONDocument),
    sa.Index("ix_audit_events_occurred_at_id", "occurred_at", "id"),
    sa.Index("ix_audit_events_action", "action"),
    sa.Index("ix_audit_events_actor_kind_actor_id", "actor_kind", "actor_id"),
)
