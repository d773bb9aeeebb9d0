"""The backup catalog: one `backup.json` per backup directory, written last and atomically.

`<backups_dir>/<id>/` holds what pg_basebackup wrote (base.tar.gz, pg_wal.tar.gz,
backup_manifest) and `backup.json`. A directory without `backup.json` is not a backup: it is
"in progress" while the `backup create` that writes it runs (a marker file names its pid)
and "incomplete" after that one died; `backup prune` removes those.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hotelreviews.backup.errors import BackupError
from hotelreviews.backup.tables import TableSum
from hotelreviews.cluster.pg_tools import pid_exists

ENTRY_FILE = "backup.json"
ENTRY_VERSION = 1
_IN_PROGRESS_PREFIX = ".in-progress-"
ID_FORMAT = "%Y%m%dT%H%M%SZ"  # sorts by time


@dataclass
class Verification:
    at: datetime
    ok: bool
    message: str


@dataclass
class BackupEntry:
    """What `backup create` recorded about one complete base backup."""

    id: str
    started_at: datetime  # the server's clock
    finished_at: datetime  # the server's clock, once pg_basebackup had returned
    start_lsn: str
    stop_lsn: str  # a restore is consistent from here on
    timeline: int
    start_wal: str  # the oldest WAL segment the backup needs (kept in the archive)
    wal_segment_bytes: int
    size_bytes: int
    source: str  # the node's region
    source_address: str
    server_version: str
    database: str
    files: dict[str, str]  # file name → SHA-256 of the file as written
    tables: dict[str, TableSum]  # the database's main tables at tables_lsn
    tables_lsn: str
    verification: Verification | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["version"] = ENTRY_VERSION
        return json.dumps(data, indent=2, default=_encode) + "\n"

    @classmethod
    def from_json(cls, text: str) -> BackupEntry:
        data = json.loads(text)
        data.pop("version", None)
        data["started_at"] = _time(data["started_at"])
        data["finished_at"] = _time(data["finished_at"])
        data["tables"] = {name: TableSum(**value) for name, value in data["tables"].items()}
        if data.get("verification"):
            check = data["verification"]
            data["verification"] = Verification(
                at=_time(check["at"]), ok=check["ok"], message=check["message"]
            )
        return cls(**data)


@dataclass
class Listed:
    """A directory of the backups folder: a complete backup (entry) or what is left of one."""

    id: str
    path: Path
    entry: BackupEntry | None
    in_progress: bool
    damaged: str | None = None  # why backup.json cannot be read

    @property
    def status(self) -> str:
        if self.damaged is not None:
            return "catalog entry unreadable"
        if self.entry is None:
            return "in progress" if self.in_progress else "incomplete"
        check = self.entry.verification
        if check is None:
            return "complete"
        verdict = "verified" if check.ok else "verify FAILED"
        return f"{verdict} at {check.at:%Y-%m-%d %H:%M:%SZ}"


class Catalog:
    """The backups of one cluster, in `root` (the layout's backups_dir)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, backup_id: str) -> Path:
        return self.root / backup_id

    def listing(self) -> list[Listed]:
        """Every backup directory, oldest first, complete or not."""
        if not self.root.is_dir():
            return []
        found = []
        for path in sorted(self.root.iterdir()):
            if not path.is_dir() or path.name.startswith("."):
                continue
            try:
                entry, damaged = self._read(path), None
            except BackupError as error:
                entry, damaged = None, str(error)
            found.append(
                Listed(
                    id=path.name,
                    path=path,
                    entry=entry,
                    in_progress=self._in_progress(path.name),
                    damaged=damaged,
                )
            )
        return found

    def entries(self) -> list[BackupEntry]:
        """Complete backups, oldest first."""
        return [item.entry for item in self.listing() if item.entry is not None]

    def get(self, backup_id: str | None) -> BackupEntry:
        """One complete backup; the newest when `backup_id` is None."""
        entries = self.entries()
        if backup_id is None:
            if not entries:
                raise BackupError(
                    f"no complete backup in {self.root}: take one with `hotelreviews backup create`"
                )
            return entries[-1]
        for entry in entries:
            if entry.id == backup_id:
                return entry
        if self.path(backup_id).is_dir():
            raise BackupError(
                f"backup {backup_id} is incomplete (its `backup create` did not finish); "
                "`hotelreviews backup prune` removes it"
            )
        known = ", ".join(entry.id for entry in entries) or "none"
        raise BackupError(f"no backup {backup_id} in {self.root} (complete backups: {known})")

    def save(self, entry: BackupEntry) -> None:
        """Write (or rewrite) the entry atomically: readers see the old or the new one."""
        target = self.path(entry.id) / ENTRY_FILE
        tmp = target.with_name(f".{ENTRY_FILE}.tmp")
        with tmp.open("w") as fh:
            fh.write(entry.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)

    def remove(self, backup_id: str) -> None:
        # The entry goes first: a removal cut short leaves an incomplete directory, never a
        # catalog entry whose files are half gone.
        (self.path(backup_id) / ENTRY_FILE).unlink(missing_ok=True)
        shutil.rmtree(self.path(backup_id), ignore_errors=True)

    def new_id(self) -> str:
        """A fresh id from the clock (UTC, to the second); waits for the next second rather
        than reuse one, so a re-run never lands in an earlier attempt's directory."""
        while True:
            candidate = datetime.now(UTC).strftime(ID_FORMAT)
            if not self.path(candidate).exists() and not self._marker(candidate).exists():
                return candidate
            time.sleep(0.2)

    @contextlib.contextmanager
    def in_progress(self, backup_id: str) -> Iterator[None]:
        """Mark `backup_id` as being written by this process while the block runs."""
        self.root.mkdir(parents=True, exist_ok=True)
        marker = self._marker(backup_id)
        try:
            with marker.open("x") as fh:  # exclusive: two runs never share an id
                fh.write(f"{os.getpid()}\n")
        except FileExistsError:
            raise BackupError(
                f"another `backup create` is writing {backup_id} right now; run it again"
            ) from None
        try:
            yield
        finally:
            marker.unlink(missing_ok=True)

    def _marker(self, backup_id: str) -> Path:
        return self.root / f"{_IN_PROGRESS_PREFIX}{backup_id}"

    def _in_progress(self, backup_id: str) -> bool:
        try:
            pid = int(self._marker(backup_id).read_text().strip())
        except (OSError, ValueError):
            return False
        return pid_exists(pid)

    @staticmethod
    def _read(path: Path) -> BackupEntry | None:
        try:
            return BackupEntry.from_json((path / ENTRY_FILE).read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise BackupError(
                f"{path / ENTRY_FILE} cannot be read ({error}); move the directory away or "
                "remove it"
            ) from None


def _encode(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to the catalog")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)
