"""Users, the hotels they manage, their refresh tokens, API keys, and failed-login counters
(per name and address).

Only hashes of secrets are stored: argon2id for passwords, SHA-256 for refresh tokens and
API keys (random 256-bit values, where a fast hash loses nothing; see api_keys.py).
"""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, UTCDateTime

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(100), nullable=False, unique=True),  # lower case
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("roles", sa.String(200), nullable=False),  # space separated, sorted
    sa.Column("disabled", sa.Boolean, nullable=False),
    # In every access token (claim `ver`); bumped to refuse the user's earlier access tokens
    # at once (security/token_versions.py).
    sa.Column("token_version", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# The hotels a user manages: a manager (without the analyst or admin role) sees and changes the
# alerts of these hotels only (security.hotel_scope). Read per request, never put in tokens.
user_hotels = sa.Table(
    "user_hotels",
    metadata,
    sa.Column("user_id", BigId, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id"), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    # One family per login: every rotation stays in it, a reuse revokes all of it.
    sa.Column("family_id", sa.String(64), nullable=False, index=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("rotated_at", UTCDateTime),  # used once: presenting it again is a reuse
    sa.Column("revoked_at", UTCDateTime),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("prefix", sa.String(32), nullable=False, unique=True),  # not secret: look-up
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("roles", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("last_used_at", UTCDateTime),
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    # Also for names that do not exist: a locked name says nothing about whether it does.
    sa.Column("username", sa.String(100), primary_key=True),
    # Failures from one client address, or NAME_WIDE ("*"): the name's, from every address.
    sa.Column("client_address", sa.String(100), primary_key=True, server_default=sa.text("'*'")),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("window_started_at", UTCDateTime, nullable=False),
    # Until then the name may not try: a backoff wait, or a lockout once failures reach the
    # threshold (security/lockout.py).
    sa.Column("locked_until", UTCDateTime),
    # Lockouts since the last successful login: each lasts twice as long as the one before.
    sa.Column("lockouts", sa.Integer, nullable=False, server_default=sa.text("0")),
)
