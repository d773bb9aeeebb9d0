"""`backup verify`: prove a backup restores to the data it was taken with.

1. every file still has the SHA-256 recorded when the backup was written;
2. unpacked into a scratch directory, pg_verifybackup finds every file of the manifest with
   its size and checksum, and the WAL from the backup's start to its end readable;
3. started on a free port, recovery replays to the WAL position where the table sums were
   taken and promotes; row counts and checksums of the main tables match those sums.
The scratch server is stopped and its directory deleted whatever happens; the verdict goes
into the catalog entry.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hotelreviews.backup import standalone
from hotelreviews.backup.catalog import BackupEntry, Catalog, Verification
from hotelreviews.backup.create import file_sha256
from hotelreviews.backup.errors import BackupError
from hotelreviews.backup.programs import run_pg_program
from hotelreviews.backup.standalone import RecoveryTarget
from hotelreviews.backup.tables import compare, table_sums
from hotelreviews.cluster.layout import free_port
from hotelreviews.cluster.pg import PgNode


@dataclass(frozen=True)
class VerifyResult:
    entry: BackupEntry
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_backup(
    catalog: Catalog,
    entry: BackupEntry,
    *,
    archive_dir: Path,
    scratch_root: Path,
    timeout: float = 3600.0,
) -> VerifyResult:
    """Check `entry` (files, manifest, restore, data) and record the verdict in the catalog."""
    problems = damaged_files(catalog.path(entry.id), entry.files)
    if not problems:
        problems = _restore_and_compare(catalog, entry, archive_dir, scratch_root, timeout)
    message = "; ".join(problems) if problems else _success(entry)
    entry.verification = Verification(at=datetime.now(UTC), ok=not problems, message=message)
    catalog.save(entry)
    return VerifyResult(entry=entry, problems=problems)


def damaged_files(backup_dir: Path, recorded: dict[str, str]) -> list[str]:
    """Files missing or changed since the backup was written (one sentence each)."""
    problems = []
    for name, expected in sorted(recorded.items()):
        path = backup_dir / name
        if not path.exists():
            problems.append(f"{path} is missing")
            continue
        actual = file_sha256(path)
        if actual != expected:
            problems.append(f"{path} is damaged: its SHA-256 is {actual}, {expected} when written")
    return problems


def _restore_and_compare(
    catalog: Catalog,
    entry: BackupEntry,
    archive_dir: Path,
    scratch_root: Path,
    timeout: float,
) -> list[str]:
    scratch = scratch_root / f"verify-{entry.id}"
    node = PgNode(name=f"verify-{entry.id}", root=scratch, port=free_port())
    _remove_scratch(node)  # what an interrupted earlier run left
    try:
        standalone.prepare_root(scratch)
        standalone.extract_backup(catalog.path(entry.id), node.data_dir)
        problems = _verifybackup(catalog.path(entry.id), node.data_dir)
        if problems:
            return problems
        # Stop right before the first record at the sums' position: the tables are then as
        # the sums saw them, on the backup's own timeline.
        target = RecoveryTarget(lsn=entry.tables_lsn, inclusive=False, timeline="current")
        standalone.configure(node, archive_dir=archive_dir, target=target)
        standalone.recover(node, target=target, timeout=timeout)
        return compare(entry.tables, table_sums(node.dsn(entry.database)))
    except BackupError as error:
        return [f"the backup could not be restored: {error}"]
    finally:
        _remove_scratch(node)


def _verifybackup(backup_dir: Path, data_dir: Path) -> list[str]:
    result = run_pg_program(
        "pg_verifybackup",
        [f"--manifest-path={backup_dir / 'backup_manifest'}", str(data_dir)],
        timeout=3600,
    )
    if result.returncode == 0:
        return []
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    errors = [line.removeprefix("pg_verifybackup: ") for line in lines if "error:" in line]
    return [f"pg_verifybackup: {line}" for line in errors or lines[-5:]]


def _remove_scratch(node: PgNode) -> None:
    if node.root.exists():
        node.stop(mode="immediate")
        shutil.rmtree(node.root, ignore_errors=True)


def _success(entry: BackupEntry) -> str:
    rows = sum(table.rows for table in entry.tables.values())
    return (
        f"files intact, pg_verifybackup passed, restored to LSN {entry.tables_lsn}: "
        f"{len(entry.tables)} tables, {rows} rows, checksums match"
    )
