"""`backup create`: a base backup of one node with pg_basebackup, then its catalog entry."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from hotelreviews.backup.archive import switch_and_wait
from hotelreviews.backup.catalog import BackupEntry, Catalog
from hotelreviews.backup.errors import BackupError
from hotelreviews.backup.programs import run_pg_program
from hotelreviews.backup.tables import TablesSnapshot, snapshot_primary, snapshot_replica
from hotelreviews.backup.wal import parse_lsn, segment_name
from hotelreviews.cluster.layout import ClusterLayout
from hotelreviews.cluster.pg import PgNode
from hotelreviews.cluster.pg_tools import PostgresError, server_user, tail, traversable_by

BACKUP_FILES = ("base.tar.gz", "pg_wal.tar.gz", "backup_manifest")


def create_backup(
    layout: ClusterLayout,
    *,
    region: str | None = None,
    database: str = "hotelreviews",
    archive_timeout: float = 300.0,
) -> BackupEntry:
    """Back up the primary (or `region`'s node) into a new catalog entry."""
    primary = find_primary(layout)
    source = primary if region is None else layout.node(region)
    if primary is None:
        raise BackupError(
            "no node of the cluster answers as the primary "
            f"({_roles(layout)}): the WAL a backup needs is archived by the primary; start "
            "the cluster (`hotelreviews cluster up`) or promote a replica first"
        )
    role = source.role()
    if role == "down":
        raise BackupError(f"{source.name} ({source.address}) is not answering: start it first")
    _require_archiving(primary)

    catalog = Catalog(layout.backups_dir)
    _prepare_backups_dir(catalog.root)
    backup_id = catalog.new_id()
    target = catalog.path(backup_id)
    with catalog.in_progress(backup_id), _removed_on_error(target):
        started_at = _server_clock(source)
        _run_basebackup(source, target, label=f"hotelreviews {backup_id}")
        finished_at = _server_clock(source)
        snapshot = _snapshot(source, database, replica=role == "replica")
        # The WAL up to the sums' position must be in the archive for `verify` (and for any
        # restore to a time after the backup) to reach it.
        switch_and_wait(primary, layout.archive_dir, timeout=archive_timeout)
        entry = _entry(
            backup_id,
            target,
            source=source,
            database=database,
            started_at=started_at,
            finished_at=finished_at,
            snapshot=snapshot,
        )
        catalog.save(entry)
    return entry


@contextlib.contextmanager
def _removed_on_error(target: Path) -> Iterator[None]:
    """A failed attempt leaves nothing behind (a killed one leaves an incomplete directory,
    which `list` shows and `prune` removes)."""
    try:
        yield
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def find_primary(layout: ClusterLayout) -> PgNode | None:
    """The one node answering as a primary; two are refused (a split brain to resolve first)."""
    primaries = [node for node in layout.nodes().values() if node.role() == "primary"]
    if len(primaries) > 1:
        names = ", ".join(node.name for node in primaries)
        raise BackupError(
            f"more than one node answers as the primary ({names}); resolve that first "
            "(`hotelreviews dr status`)"
        )
    return primaries[0] if primaries else None


def _roles(layout: ClusterLayout) -> str:
    return ", ".join(f"{name}: {node.role()}" for name, node in layout.nodes().items())


def _require_archiving(primary: PgNode) -> None:
    mode = primary.psql("SHOW archive_mode").strip()
    if mode not in ("on", "always"):
        raise BackupError(
            f"WAL archiving is off on {primary.name} (archive_mode = {mode}): backups are "
            "useless for point-in-time restore without it; the cluster's nodes archive "
            "when set up by `hotelreviews cluster up`"
        )


def _prepare_backups_dir(root: Path) -> None:
    # pg_basebackup runs as the server's user and creates each backup's directory here.
    root.mkdir(parents=True, exist_ok=True)
    user = server_user()
    if user is None:
        return
    os.chown(root, user.pw_uid, user.pw_gid)
    if not traversable_by(root.parent, user.pw_uid):
        raise BackupError(
            f"{root.parent} is not reachable by the user {user.pw_name} PostgreSQL runs as; "
            "make it and its parents world-searchable (chmod o+x)"
        )


def _server_clock(node: PgNode) -> datetime:
    return datetime.fromisoformat(node.psql("SELECT clock_timestamp()").strip())


def _run_basebackup(source: PgNode, target: Path, *, label: str) -> None:
    result = run_pg_program(
        "pg_basebackup",
        [
            "--pgdata",
            str(target),
            "--dbname",
            source.dsn(),
            "--format=tar",
            "--gzip",
            "--wal-method=stream",  # the WAL from start to end, so the backup alone restores
            "--checkpoint=fast",
            "--manifest-checksums=CRC32C",
            f"--label={label}",
        ],
        timeout=6 * 3600,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_basebackup from {source.name} ({source.address}) failed:\n"
            f"{tail(result.stdout + result.stderr)}"
        )


def _snapshot(source: PgNode, database: str, *, replica: bool) -> TablesSnapshot:
    dsn = source.dsn(database)
    return snapshot_replica(dsn) if replica else snapshot_primary(dsn)


def _entry(
    backup_id: str,
    target: Path,
    *,
    source: PgNode,
    database: str,
    started_at: datetime,
    finished_at: datetime,
    snapshot: TablesSnapshot,
) -> BackupEntry:
    manifest = json.loads((target / "backup_manifest").read_text())
    ranges = manifest["WAL-Ranges"]
    segment_bytes = int(
        source.psql("SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'").strip()
    )
    start_lsn, timeline = ranges[0]["Start-LSN"], int(ranges[0]["Timeline"])
    files = {name: file_sha256(target / name) for name in BACKUP_FILES}
    return BackupEntry(
        id=backup_id,
        started_at=started_at,
        finished_at=finished_at,
        start_lsn=start_lsn,
        stop_lsn=ranges[-1]["End-LSN"],
        timeline=int(ranges[-1]["Timeline"]),
        start_wal=segment_name(timeline, parse_lsn(start_lsn), segment_bytes),
        wal_segment_bytes=segment_bytes,
        size_bytes=sum((target / name).stat().st_size for name in BACKUP_FILES),
        source=source.name,
        source_address=source.address,
        server_version=_server_version(source),
        database=database,
        files=files,
        tables=snapshot.tables,
        tables_lsn=snapshot.lsn,
    )


def _server_version(node: PgNode) -> str:
    try:
        return node.psql("SHOW server_version").strip()
    except PostgresError:
        return "unknown"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
