"""Shared helpers for the test suite (not a test package itself).

- :mod:`tests.support.pg_server`: throwaway PostgreSQL servers on free ports
  (``PostgresServer``, ``find_pg_bin_dir``) and ``free_port()``.

Import as ``from tests.support import PostgresServer, free_port``; this works
when pytest runs from the repository root as ``python -m pytest`` (``make test``).
"""

from tests.support.pg_server import (
    PostgresError,
    PostgresNotFoundError,
    PostgresServer,
    find_pg_bin_dir,
    free_port,
    pg_major_version,
)

__all__ = [
    "PostgresError",
    "PostgresNotFoundError",
    "PostgresServer",
    "find_pg_bin_dir",
    "free_port",
    "pg_major_version",
]
