"""The roles an identity can hold, and how a set of them is stored."""

from __future__ import annotations

from collections.abc import Iterable

ADMIN, MANAGER, ANALYST, INGEST = "admin", "manager", "analyst", "ingest"
ROLES = frozenset({ADMIN, MANAGER, ANALYST, INGEST})


def parse_roles(values: Iterable[str]) -> frozenset[str]:
    """Roles from names (also comma separated); ValueError naming the unknown ones."""
    roles = frozenset(
        part.strip().lower() for value in values for part in value.split(",") if part.strip()
    )
    unknown = sorted(roles - ROLES)
    if unknown:
        raise ValueError(
            f"unknown role(s) {', '.join(unknown)}: choose from {', '.join(sorted(ROLES))}"
        )
    return roles


def dump_roles(roles: Iterable[str]) -> str:
    return " ".join(sorted(roles))


def load_roles(text: str) -> frozenset[str]:
    return frozenset(text.split())
