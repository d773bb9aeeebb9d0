"""`hotelreviews backup create|list|verify|restore|prune`: base backups of the cluster's
primary and point-in-time restore from the WAL archive (docs/operations.md)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from hotelreviews.backup.archive import ArchiveSummary, summarize
from hotelreviews.backup.catalog import BackupEntry, Catalog, Listed
from hotelreviews.backup.create import create_backup
from hotelreviews.backup.errors import BackupError
from hotelreviews.backup.restore import RestoreResult, parse_target_time, restore
from hotelreviews.backup.retention import PruneReport, prune
from hotelreviews.backup.standalone import RecoveryTarget
from hotelreviews.backup.verify import verify_backup
from hotelreviews.backup.wal import DEFAULT_SEGMENT_BYTES, parse_lsn
from hotelreviews.cluster.layout import ClusterLayout, LayoutError, free_port
from hotelreviews.cluster.pg_tools import PostgresError, find_pg_bin_dir, server_user
from hotelreviews.cluster.up import cluster_root
from hotelreviews.core.settings import get_settings
from hotelreviews.core.wording import plural

backup_app = typer.Typer(no_args_is_help=True)

DatabaseOption = Annotated[
    str, typer.Option("--database", help="The application's database on the servers.")
]


@backup_app.command(help="Take a base backup of the primary (pg_basebackup), then apply retention.")
def create(
    source: Annotated[
        str | None,
        typer.Option("--from", help="Back up this region's node instead of the primary."),
    ] = None,
    database: DatabaseOption = "hotelreviews",
) -> None:
    with _errors():
        layout = _layout()
        entry = create_backup(layout, region=source, database=database)
        typer.echo(
            f"backup {entry.id} of {entry.source}: {_size(entry.size_bytes)}, "
            f"LSN {entry.start_lsn} → {entry.stop_lsn}, timeline {entry.timeline}, "
            f"{plural(len(entry.tables), 'table')} "
            f"({plural(sum(t.rows for t in entry.tables.values()), 'row')})"
        )
        _echo_prune(_prune(layout))


@backup_app.command(
    "list", help="Backups (complete, incomplete, verified) and the WAL archive's range."
)
def list_backups(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    with _errors():
        layout = _layout()
        listing = Catalog(layout.backups_dir).listing()
        segment_bytes = next(
            (item.entry.wal_segment_bytes for item in reversed(listing) if item.entry),
            DEFAULT_SEGMENT_BYTES,
        )
        archive = summarize(layout.archive_dir, segment_bytes)
    if as_json:
        payload = {
            "backups": [_listed_json(item) for item in listing],
            "archive": _archive_json(archive, listing),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    # The id is the start time (UTC); LSNs and the rest are in --json.
    table = Table(title=f"Backups in {layout.backups_dir}", box=box.SIMPLE_HEAD)
    for column in ("id (start, UTC)", "size", "tl", "source", "status"):
        table.add_column(column, no_wrap=True)
    for item in listing:
        entry = item.entry
        if entry is None:
            table.add_row(item.id, "", "", "", item.status)
            continue
        table.add_row(
            entry.id, _size(entry.size_bytes), str(entry.timeline), entry.source, item.status
        )
    # Not on a terminal (logs, pipes) the table keeps its width instead of wrapping at 80.
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(table)
    typer.echo(_archive_lines(archive, listing))


@backup_app.command(help="Restore a backup into a scratch server and check it (default: newest).")
def verify(
    backup_id: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
) -> None:
    with _errors():
        layout = _layout()
        catalog = Catalog(layout.backups_dir)
        entry = catalog.get(backup_id)
        result = verify_backup(
            catalog,
            entry,
            archive_dir=layout.archive_dir,
            scratch_root=layout.root / "scratch",
        )
    if not result.ok:
        typer.echo(f"error: backup {entry.id} FAILED verification:", err=True)
        for problem in result.problems:
            typer.echo(f"  - {problem}", err=True)
        typer.echo(
            "Do not rely on this backup: take a new one (`hotelreviews backup create`).",
            err=True,
        )
        raise typer.Exit(code=1)
    typer.echo(
        f"backup {entry.id} verified: {entry.verification.message if entry.verification else ''}"
    )


@backup_app.command(
    "restore",
    help="Restore to a point in time as a new stand-alone server (the cluster is untouched).",
)
def restore_backup(
    target_dir: Annotated[
        Path, typer.Option("--target-dir", help="A new or empty directory for the server.")
    ],
    backup_id: Annotated[
        str | None,
        typer.Option("--backup", help="Backup to start from (default: newest that fits)."),
    ] = None,
    to_time: Annotated[
        str | None,
        typer.Option(
            "--to-time", help="ISO 8601 timestamp; no zone means UTC. Default: all archived."
        ),
    ] = None,
    to_lsn: Annotated[
        str | None, typer.Option("--to-lsn", help="WAL position, e.g. 0/3000060.")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Default: a free port.")] = None,
    start: Annotated[
        bool, typer.Option("--start/--no-start", help="Start it and wait for recovery.")
    ] = True,
    database: DatabaseOption = "hotelreviews",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    with _errors():
        if to_time is not None and to_lsn is not None:
            raise BackupError("give --to-time or --to-lsn, not both")
        if to_lsn is not None:
            try:
                parse_lsn(to_lsn)
            except ValueError as error:
                raise BackupError(str(error)) from None
        target = RecoveryTarget(
            time=parse_target_time(to_time) if to_time is not None else None, lsn=to_lsn
        )
        layout = _layout()
        result = restore(
            Catalog(layout.backups_dir),
            layout.archive_dir,
            target_dir=target_dir,
            port=port or free_port(),
            backup_id=backup_id,
            target=target,
            start=start,
        )
    _echo_restored(result, database, as_json=as_json)


@backup_app.command(
    "prune",
    help="Remove backups older than HOTELREVIEWS_BACKUP_RETENTION_DAYS (never the newest) "
    "and the archived WAL only they needed.",
)
def prune_cmd() -> None:
    with _errors():
        _echo_prune(_prune(_layout()))


# ---- helpers ---------------------------------------------------------------------------


def _layout() -> ClusterLayout:
    return ClusterLayout.load(cluster_root(get_settings().data_dir))


def _prune(layout: ClusterLayout) -> PruneReport:
    days = get_settings().backup_retention_days
    return prune(Catalog(layout.backups_dir), layout.archive_dir, now=datetime.now(UTC), days=days)


def _echo_prune(report: PruneReport) -> None:
    days = get_settings().backup_retention_days
    removed = ", ".join(report.removed) or "none"
    line = (
        f"retention ({plural(days, 'day')}): removed backups: {removed}; "
        f"{plural(report.wal_files_removed, 'archived WAL file')} removed; {len(report.kept)} kept"
    )
    if report.abandoned:
        line += f"; removed unfinished attempts: {', '.join(report.abandoned)}"
    typer.echo(line)


def _echo_restored(result: RestoreResult, database: str, *, as_json: bool) -> None:
    node = result.node
    url = node.dsn(database)
    stop = _pg_ctl(node.data_dir, node.log_path, "stop")
    if as_json:
        payload = {
            "backup": result.backup.id,
            "target": result.target.describe(),
            "data_dir": str(node.data_dir),
            "port": node.port,
            "url": url,
            "started": result.started,
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(
        f"restored backup {result.backup.id} into {node.root} (to {result.target.describe()})"
    )
    if not result.started:
        typer.echo(
            f"not started; start it (recovery runs, then it promotes) with:\n  "
            f"{_pg_ctl(node.data_dir, node.log_path, 'start')}"
        )
        return
    typer.echo(
        f"a stand-alone server now runs on {node.address}, outside the cluster:\n"
        f"  psql {url}\n"
        f"  HOTELREVIEWS_DATABASE_URL=postgresql+asyncpg://{url.split('://', 1)[1]}\n"
        f"  stop it: {stop}\n"
        "To make it the cluster's new primary, see docs/operations.md "
        "(Backups and point-in-time restore)."
    )


def _pg_ctl(data_dir: Path, log: Path, action: str) -> str:
    command = f"{find_pg_bin_dir() / 'pg_ctl'} -D {data_dir} -l {log} {action}"
    user = server_user()
    return f"runuser -u {user.pw_name} -- {command}" if user is not None else command


def _listed_json(item: Listed) -> dict[str, Any]:
    data: dict[str, Any] = {"id": item.id, "status": item.status}
    if item.entry is not None:
        data.update(json.loads(item.entry.to_json()))
        data["status"] = item.status
    if item.damaged is not None:
        data["problem"] = item.damaged
    return data


def _archive_json(archive: ArchiveSummary, listing: list[Listed]) -> dict[str, Any]:
    oldest = _oldest_restorable(listing)
    return {
        "segments": archive.segments,
        "size_bytes": archive.size_bytes,
        "oldest_wal": archive.oldest.name if archive.oldest else None,
        "newest_wal": archive.newest.name if archive.newest else None,
        "end_lsn": archive.end_lsn,
        "newest_commit": archive.newest_commit.isoformat() if archive.newest_commit else None,
        "restorable_from": oldest.finished_at.isoformat() if oldest else None,
    }


def _archive_lines(archive: ArchiveSummary, listing: list[Listed]) -> str:
    if archive.newest is None or archive.oldest is None:
        return "WAL archive: empty (point-in-time restore is not possible)"
    oldest = _oldest_restorable(listing)
    if oldest is None:
        restorable = "none: no complete backup to start from"
    else:
        newest = (
            f"{archive.newest_commit:%Y-%m-%d %H:%M:%S.%f} UTC (the newest archived commit)"
            if archive.newest_commit
            else "? (no commit in the newest segments)"
        )
        restorable = (
            f"from {oldest.finished_at:%Y-%m-%d %H:%M:%S} UTC (end of backup {oldest.id}) "
            f"to {newest}"
        )
    return (
        f"WAL archive: {archive.oldest.name} … {archive.newest.name} "
        f"({plural(archive.segments, 'segment')}, {_size(archive.size_bytes)}, "
        f"up to LSN {archive.end_lsn})\n"
        f"Point-in-time restore: {restorable}"
    )


def _oldest_restorable(listing: list[Listed]) -> BackupEntry | None:
    return next((item.entry for item in listing if item.entry is not None), None)


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except (BackupError, LayoutError, PostgresError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
