"""What the cluster's PostgreSQL servers run with, and the two files that hold it.

Settings live in two files included from postgresql.conf: `hotelreviews.conf` (the same on
every node: replication, archiving) and `node.conf` (this node's port, socket, name and, on a
replica, whom it streams from). pg_basebackup copies both; the clone then rewrites node.conf.
Replication is configured there and never through postgresql.auto.conf, so one file says
whom a node follows.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Mapping
from pathlib import Path

CLUSTER_CONF = "hotelreviews.conf"
NODE_CONF = "node.conf"
_REPLICATION_KEYS = ("primary_conninfo", "primary_slot_name")

# What every node runs with: a primary's replicas stream from it and may later take its place
# (so every node is ready to be either); pg_rewind needs wal_log_hints (or data checksums,
# which initdb turns on too); replicas report what they still read so the primary does not
# vacuum rows from under them; after a promotion, replicas follow the newest timeline.
REPLICATION_SETTINGS: dict[str, str | int] = {
    "wal_level": "replica",
    "max_wal_senders": 10,
    "max_replication_slots": 10,
    "hot_standby": "on",
    "hot_standby_feedback": "on",
    "wal_log_hints": "on",
    "recovery_target_timeline": "latest",
    "wal_receiver_status_interval": "1s",
    "max_connections": 200,
}


def archiving_settings(archive_dir: Path, *, timeout_seconds: int = 60) -> dict[str, str | int]:
    """WAL archiving into `archive_dir` (point-in-time restore; replicas and pg_rewind read it
    back). A segment is copied under a temporary name and renamed, so the archive never holds
    a partial segment; one already archived with the same content counts as done (a crash
    between the copy and PostgreSQL noting it must not block archiving forever), with other
    content it fails loudly. archive_timeout bounds how old the newest archived change can be.
    """
    archive = shlex.quote(str(archive_dir))
    command = (
        f"if [ -f {archive}/%f ]; then cmp -s %p {archive}/%f; "
        f"else cp %p {archive}/.%f.part && mv {archive}/.%f.part {archive}/%f; fi"
    )
    return {
        "archive_mode": "on",
        "archive_command": command,
        "archive_timeout": f"{timeout_seconds}s",
        "restore_command": f"cp {archive}/%f %p",
    }


def render_conf(settings: Mapping[str, str | int]) -> str:
    body = "".join(f"{key} = {_conf_value(value)}\n" for key, value in settings.items())
    return "# written by hotelreviews; edits are overwritten\n" + body


def without_replication(auto_conf: str) -> str:
    """postgresql.auto.conf without primary_conninfo/primary_slot_name (node.conf says them)."""
    return "".join(
        line
        for line in auto_conf.splitlines(keepends=True)
        if line.split("=", 1)[0].strip() not in _REPLICATION_KEYS
    )


def primary_address(node_conf: str) -> tuple[str, int] | None:
    """(host, port) in node.conf's primary_conninfo, if any."""
    for line in node_conf.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "primary_conninfo":
            fields = dict(
                part.split("=", 1) for part in value.strip().strip("'").split() if "=" in part
            )
            with contextlib.suppress(KeyError, ValueError):
                return fields["host"], int(fields["port"])
    return None


def _conf_value(value: str | int) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("'", "''") + "'"
