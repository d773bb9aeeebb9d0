"""Who a request is: a user (by access token), an API key, or anonymous."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Identity:
    kind: Literal["user", "key", "anonymous"]
    id: int | None = None
    name: str | None = None
    roles: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """Stable and free of secrets: `user:42`, `key:7` or `anonymous` (rate limits, logs)."""
        return "anonymous" if self.id is None else f"{self.kind}:{self.id}"

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"


ANONYMOUS = Identity(kind="anonymous")
