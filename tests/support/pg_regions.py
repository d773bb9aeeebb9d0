"""A PostgreSQL primary and one streaming replica as `hotelreviews cluster up` runs them, for
the tests of what the API reports about them (/health/deep, the console's cluster panel):
each server named after its region (cluster_name), the primary archiving its WAL.

Two servers, not the cluster's three (tests/support/pg_cluster.py): what is reported of one
replica is reported of each, and a pair starts in a couple of seconds.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.support.pg_server import REPLICATION_SETTINGS, PostgresServer, ReplicaServer

PRIMARY_REGION, REPLICA_REGION = "us-east-1", "eu-west-1"


@contextlib.contextmanager
def regional_primary() -> Iterator[PostgresServer]:
    """The primary, named PRIMARY_REGION, archiving into a directory of its own (removed
    afterwards)."""
    # Searchable and writable by the server's user (PostgreSQL runs unprivileged under root).
    archive = Path(tempfile.mkdtemp(prefix="hotelreviews-archive-", dir="/tmp"))
    archive.chmod(0o777)
    named = {"archive_mode": "on", "cluster_name": PRIMARY_REGION}
    try:
        with PostgresServer(settings={**REPLICATION_SETTINGS, **named}) as primary:
            # Set once started: a server option given at start-up cannot hold a space.
            set_archive_command(primary, f"cp %p {archive}/%f")
            yield primary
    finally:
        shutil.rmtree(archive, ignore_errors=True)


def regional_replica(primary: PostgresServer, *, slot: str) -> ReplicaServer:
    """A replica of `primary` named REPLICA_REGION (its name on the primary too): a context."""
    return ReplicaServer(primary, slot=slot, settings={"cluster_name": REPLICA_REGION})


def set_archive_command(primary: PostgresServer, command: str) -> None:
    """Archive with `command` from now on (a reload: archiving goes on)."""
    quoted = command.replace("'", "''")
    primary.psql(f"ALTER SYSTEM SET archive_command = '{quoted}'")
    primary.psql("SELECT pg_reload_conf()")
