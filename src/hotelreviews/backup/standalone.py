"""A stand-alone server made from a base backup: unpacked into its own directory, recovering
from the WAL archive to a target, then promoted. It shares nothing with the running cluster
but read access to the archive: its own port and socket, and archiving off, so it never
writes into the cluster's archive (its new timeline's history file would collide with the
cluster's next failover)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hotelreviews.backup.errors import BackupError
from hotelreviews.backup.programs import extract_tar
from hotelreviews.cluster.pg import FENCE_MARKER, STANDBY_SIGNAL, PgNode
from hotelreviews.cluster.pg_settings import NODE_CONF, REPLICATION_SETTINGS, archiving_settings
from hotelreviews.cluster.pg_tools import PostgresError, server_user, traversable_by

RECOVERY_SIGNAL = "recovery.signal"
_TARGET_NOT_REACHED = "recovery ended before configured recovery target was reached"


@dataclass(frozen=True)
class RecoveryTarget:
    """Where recovery stops; none of time and lsn: at the end of the archived WAL."""

    time: datetime | None = None
    lsn: str | None = None
    inclusive: bool = True
    timeline: str = "latest"

    def settings(self) -> dict[str, str | int]:
        settings: dict[str, str | int] = {
            "recovery_target_timeline": self.timeline,
            "recovery_target_action": "promote",
        }
        if self.time is not None:
            settings["recovery_target_time"] = self.time.astimezone(UTC).isoformat(sep=" ")
        if self.lsn is not None:
            settings["recovery_target_lsn"] = self.lsn
        if self.time is not None or self.lsn is not None:
            settings["recovery_target_inclusive"] = "on" if self.inclusive else "off"
        return settings

    def describe(self) -> str:
        if self.time is not None:
            return f"time {self.time.astimezone(UTC).isoformat(sep=' ')}"
        if self.lsn is not None:
            return f"LSN {self.lsn}"
        return "the end of the archived WAL"


def require_empty(root: Path) -> None:
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise BackupError(
            f"{root} is not empty: restore into a new or empty directory (nothing there is "
            "overwritten)"
        )


def prepare_root(root: Path) -> None:
    """An empty directory the server's user owns (it will hold data/, sock/, postgres.log)."""
    require_empty(root)
    root.mkdir(parents=True, exist_ok=True)
    user = server_user()
    if user is not None and not traversable_by(root.parent, user.pw_uid):
        raise BackupError(
            f"{root.parent} is not reachable by the user {user.pw_name} PostgreSQL runs as: "
            "choose a directory under a world-searchable path (e.g. under /srv or /var/lib)"
        )
    for directory in (root, root / "data", root / "sock"):
        directory.mkdir(exist_ok=True)
        _own(directory)
        os.chmod(directory, 0o700)
    (root / "postgres.log").touch()
    _own(root / "postgres.log")


def extract_backup(backup_dir: Path, data_dir: Path) -> None:
    """Unpack a tar-format base backup (its WAL into pg_wal/)."""
    extract_tar(str(backup_dir / "base.tar.gz"), str(data_dir))
    wal_dir = data_dir / "pg_wal"
    wal_dir.mkdir(exist_ok=True)
    _own(wal_dir)
    extract_tar(str(backup_dir / "pg_wal.tar.gz"), str(wal_dir))


def configure(node: PgNode, *, archive_dir: Path, target: RecoveryTarget) -> None:
    """Settings of a stand-alone server that recovers to `target`, then promotes."""
    node.write_cluster_settings(_standalone_settings(node, archive_dir, target))
    # node.conf came with the backup and names the source's port and socket; everything
    # this server needs is in the file written above.
    (node.data_dir / NODE_CONF).unlink(missing_ok=True)
    for leftover in (STANDBY_SIGNAL, FENCE_MARKER):
        (node.data_dir / leftover).unlink(missing_ok=True)
    signal_file = node.data_dir / RECOVERY_SIGNAL
    signal_file.touch()
    _own(signal_file)


def recover(node: PgNode, *, target: RecoveryTarget, timeout: float) -> None:
    """Start the server and wait until recovery has reached `target` and it has promoted;
    then drop the recovery settings, so nothing ties it to the archive any more."""
    deadline = time.monotonic() + timeout
    try:
        node.start(timeout=timeout)
    except PostgresError as error:
        raise _recovery_failed(node, target, str(error)) from None
    while True:
        try:
            if node.psql("SELECT pg_is_in_recovery()", timeout=30).strip() == "f":
                break
        except PostgresError:
            if not node.is_running():
                raise _recovery_failed(node, target, "the server stopped") from None
        if time.monotonic() > deadline:
            raise BackupError(
                f"recovery of {node.data_dir} did not finish within {timeout:.0f} s; it "
                f"goes on: watch {node.log_path}, or stop it with "
                f"`pg_ctl -D {node.data_dir} stop` (as the server's user)"
            )
        time.sleep(0.3)
    settings = _standalone_settings(node, archive_dir=None, target=None)
    node.write_cluster_settings(settings)


def _standalone_settings(
    node: PgNode, archive_dir: Path | None, target: RecoveryTarget | None
) -> dict[str, str | int]:
    settings: dict[str, str | int] = {
        **REPLICATION_SETTINGS,
        "port": node.port,
        "listen_addresses": node.host,
        "unix_socket_directories": str(node.socket_dir),
        "cluster_name": node.name,
        "archive_mode": "off",
    }
    if archive_dir is not None:
        settings["restore_command"] = str(archiving_settings(archive_dir)["restore_command"])
    if target is not None:
        settings.update(target.settings())
    return settings


def _recovery_failed(node: PgNode, target: RecoveryTarget, cause: str) -> BackupError:
    log = node.log_tail(60)
    if _TARGET_NOT_REACHED in log:
        return BackupError(
            f"recovery reached the end of the archived WAL before {target.describe()}: the "
            "archive does not hold WAL that far (see `hotelreviews backup list` for the "
            f"newest archived change). Server log {node.log_path}:\n{node.log_tail(8)}"
        )
    return BackupError(
        f"the restored server in {node.data_dir} did not recover ({cause}). Server log "
        f"{node.log_path}:\n{log}"
    )


def _own(path: Path) -> None:
    user = server_user()
    if user is not None:
        os.chown(path, user.pw_uid, user.pw_gid)
