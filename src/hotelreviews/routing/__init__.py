"""Read/write routing across a PostgreSQL primary and its streaming read replicas.

- `DatabaseRouter.from_settings(settings)`: one pool per target, a health monitor
  (`async with router.monitoring():`), `await router.read(use_case, token=..., **args)`.
- `consistency_token(engine)`: after a write committed, the token its response carries
  (`wal_position(engine)`: the same position as an integer).
- `parse_lsn` / `format_lsn`: tokens are PostgreSQL WAL positions (`16/B374D848`).
"""

from hotelreviews.routing.lsn import InvalidLsn, format_lsn, parse_lsn
from hotelreviews.routing.replicas import Replica, ReplicaHealth
from hotelreviews.routing.router import (
    DatabaseRouter,
    Primary,
    Target,
    consistency_token,
    wal_position,
)

__all__ = [
    "DatabaseRouter",
    "InvalidLsn",
    "Primary",
    "Replica",
    "ReplicaHealth",
    "Target",
    "consistency_token",
    "format_lsn",
    "parse_lsn",
    "wal_position",
]
