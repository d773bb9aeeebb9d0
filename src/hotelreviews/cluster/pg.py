"""One PostgreSQL server of the cluster, driven through its own programs (initdb, pg_ctl,
pg_basebackup, pg_rewind) and psql.

A node is a directory — `data/` (the cluster itself), `sock/` (its Unix socket),
`postgres.log` — and a TCP port. Everything about a node can be rebuilt from those two, so the
CLI invoked later (status, dr, down) drives the servers an earlier `cluster up` started.

Its settings: hotelreviews.cluster.pg_settings.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hotelreviews.cluster.daemons import process_start_time
from hotelreviews.cluster.pg_settings import (
    CLUSTER_CONF,
    NODE_CONF,
    primary_address,
    render_conf,
    without_replication,
)
from hotelreviews.cluster.pg_tools import (
    PostgresError,
    as_user,
    children_of,
    clean_env,
    client_program,
    find_pg_bin_dir,
    pid_alive,
    pid_exists,
    server_user,
    tail,
    traversable_by,
)

SUPERUSER = "postgres"
STANDBY_SIGNAL = "standby.signal"
FENCE_MARKER = "FENCED"  # a fenced node must never start as a primary (see fence())
POSTMASTER_EXIT_WITHIN = 10.0  # seconds from its pid file's removal to its exit, at most


@dataclass
class PgNode:
    """A PostgreSQL server: `root` holds data/, sock/ and postgres.log; it listens on
    `host:port`. `name` says which (a region, "scratch"…) in messages."""

    name: str
    root: Path
    port: int
    host: str = "127.0.0.1"
    bin_dir: Path = field(default_factory=find_pg_bin_dir)
    # How this server reaches the others by name, where that is not their own address (a
    # relay that adds the round trip between regions): used when it streams from them.
    routes: dict[str, tuple[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = Path(self.root).resolve()
        self._user = server_user()

    # ---- where things are ------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq URI: postgresql://postgres@HOST:PORT/dbname"""
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy async URL of one database on this node."""
        return f"postgresql+asyncpg://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    # ---- creating ----------------------------------------------------------------------

    def init_primary(self, settings: Mapping[str, str | int]) -> None:
        """initdb (checksums on, trust auth on 127.0.0.1 for now) and this node's settings."""
        self._prepare_root()
        result = self._run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "--data-checksums",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            timeout=180,
        )
        if result.returncode != 0:
            raise PostgresError(
                f"{self.name}: initdb failed in {self.data_dir}:\n"
                f"{tail(result.stdout + result.stderr)}"
            )
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write(
                "\n# hotelreviews: settings shared by every node, then this node's own\n"
                f"include_if_exists = '{CLUSTER_CONF}'\ninclude_if_exists = '{NODE_CONF}'\n"
            )
        self._allow_replication_connections()
        self.write_cluster_settings(settings)
        self._write_node_conf(follow=None)

    def clone_from(self, source: PgNode, *, slot: str) -> None:
        """A replica of `source`: a base backup streamed with its WAL, a physical replication
        slot on `source` named `slot` (it keeps the WAL this node has not received yet), then
        standby.signal and node.conf pointing at `source`."""
        self._prepare_root()
        source.ensure_slot(slot)
        result = self._run(
            [
                "pg_basebackup",
                "-D",
                str(self.data_dir),
                "-d",
                source.dsn(),
                "--slot",
                slot,
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-sync",
            ],
            timeout=600,
        )
        if result.returncode != 0:
            raise PostgresError(
                f"{self.name}: pg_basebackup from {source.name} ({source.address}) failed:\n"
                f"{tail(result.stdout + result.stderr)}"
            )
        self.follow(source, slot=slot)

    def write_cluster_settings(self, settings: Mapping[str, str | int]) -> None:
        self._write_conf(CLUSTER_CONF, settings)

    def follow(self, primary: PgNode, *, slot: str) -> None:
        """Make this node a replica of `primary` (streaming through `slot`): node.conf names
        it and standby.signal is there. A running replica picks up the change on reload
        (PostgreSQL 13+); a stopped node starts as a replica."""
        self._write_node_conf(follow=(primary, slot))
        signal_file = self.data_dir / STANDBY_SIGNAL
        signal_file.touch()
        self._chown(signal_file)
        if self.is_running():
            self.psql("SELECT pg_reload_conf()")

    def _write_node_conf(self, *, follow: tuple[PgNode, str] | None) -> None:
        settings: dict[str, str | int] = {
            "port": self.port,
            "listen_addresses": self.host,
            "unix_socket_directories": str(self.socket_dir),
            "cluster_name": self.name,
        }
        if follow is not None:
            primary, slot = follow
            host, port = self.route_to(primary)
            settings["primary_conninfo"] = (
                f"host={host} port={port} user={SUPERUSER} application_name={self.name}"
            )
            settings["primary_slot_name"] = slot
        self._write_conf(NODE_CONF, settings)
        self._drop_auto_conf_replication()

    def route_to(self, other: PgNode) -> tuple[str, int]:
        """Where this server connects to reach `other`."""
        return self.routes.get(other.name, (other.host, other.port))

    def upstream_address(self) -> tuple[str, int] | None:
        """(host, port) this node is configured to stream from (node.conf), if any."""
        try:
            return primary_address((self.data_dir / NODE_CONF).read_text())
        except OSError:
            return None

    # ---- running ------------------------------------------------------------------------

    def start(self, *, timeout: float = 60.0) -> None:
        """Start the server (as a replica if standby.signal is there) and wait until it
        accepts connections. A fenced node refuses to start as a primary."""
        if self.is_running():
            return
        if self.is_fenced() and not (self.data_dir / STANDBY_SIGNAL).exists():
            raise PostgresError(
                f"{self.name} is fenced (a former primary replaced by a failover): it must "
                f"not start as a primary; run `hotelreviews dr rejoin {self.name}`"
            )
        result = self._run(
            [
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_path),
                "-w",
                "-t",
                str(int(timeout)),
                "start",
            ],
            timeout=timeout + 30,
        )
        if result.returncode != 0:
            raise PostgresError(
                f"{self.name}: pg_ctl start failed on port {self.port}:\n"
                f"{tail(result.stdout + result.stderr)}\n--- {self.log_path} (tail) ---\n"
                f"{self.log_tail()}"
            )

    def stop(self, *, mode: str = "fast", timeout: float = 60.0) -> None:
        """pg_ctl stop (fast: sessions are ended, everything written is flushed and, on a
        primary, sent to connected replicas before it exits); killed if that fails. Returns
        once the postmaster process is gone, not merely its pid file."""
        postmaster = self.postmaster_pid()
        if postmaster is None:
            return
        started = process_start_time(postmaster)  # the same process, not a reused pid
        result = self._run(
            ["pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", str(int(timeout)), "stop"],
            timeout=timeout + 30,
        )
        if result.returncode != 0 and self.is_running():
            self.kill()
            return
        # pg_ctl returns when postmaster.pid is removed, which the postmaster does on its way
        # out; on a loaded machine it can still be alive a while after (seen in CI).
        deadline = time.monotonic() + POSTMASTER_EXIT_WITHIN
        while process_start_time(postmaster) == started and time.monotonic() < deadline:
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL the postmaster and every server process: a crash, nothing flushed or sent."""
        pid = self.postmaster_pid()
        if pid is None:
            return
        children = children_of(pid)
        for victim in (pid, *children):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(victim, signal.SIGKILL)
        # Until reaped, not merely dead: PostgreSQL's own lock-file check (a restart,
        # pg_rewind's crash recovery) takes a zombie postmaster for a running one.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(pid_exists(p) for p in (pid, *children)):
            time.sleep(0.02)

    def postmaster_pid(self) -> int | None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if pid_alive(pid) else None

    def is_running(self) -> bool:
        return self.postmaster_pid() is not None

    def is_ready(self) -> bool:
        """Accepting connections now."""
        try:
            self.psql("SELECT 1", timeout=5)
        except PostgresError:
            return False
        return True

    # ---- roles --------------------------------------------------------------------------

    def role(self) -> str:
        """primary, replica or down (not answering)."""
        try:
            in_recovery = self.psql("SELECT pg_is_in_recovery()", timeout=5).strip()
        except PostgresError:
            return "down"
        return "replica" if in_recovery == "t" else "primary"

    def promote(self, *, timeout: int = 60) -> None:
        """End recovery: this replica becomes a primary on a new timeline."""
        done = self.psql(f"SELECT pg_promote(wait => true, wait_seconds => {timeout})").strip()
        if done != "t":
            raise PostgresError(f"{self.name}: promotion did not finish within {timeout} s")
        (self.data_dir / STANDBY_SIGNAL).unlink(missing_ok=True)
        self._write_node_conf(follow=None)

    def fence(self) -> None:
        """Make sure this former primary can never come back as a second primary: stop it
        (SIGKILL if it does not stop), and leave standby.signal plus a FENCED marker in its
        data directory, so a restart finds it read-only until `dr rejoin` rewinds it."""
        if self.is_running():
            self.stop(mode="immediate", timeout=10)
        if not self.data_dir.exists():
            return
        for name in (STANDBY_SIGNAL, FENCE_MARKER):
            marker = self.data_dir / name
            marker.write_text(f"fenced at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
            self._chown(marker)

    def is_fenced(self) -> bool:
        return (self.data_dir / FENCE_MARKER).exists()

    def rewind(self, source: PgNode) -> None:
        """pg_rewind this stopped node onto `source`'s timeline (it ran past the point where
        `source` took over); WAL it lacks comes from the archive (restore_command)."""
        self.stop(mode="fast")
        # pg_rewind first finishes an interrupted crash recovery in single-user mode, which
        # cannot run as a standby; the FENCED marker still keeps the node from starting as a
        # primary until follow() makes it a replica again.
        (self.data_dir / STANDBY_SIGNAL).unlink(missing_ok=True)
        # A freshly promoted source still names its old timeline in pg_control until its
        # next checkpoint; pg_rewind would then see nothing to rewind.
        source.psql("CHECKPOINT")
        result = self._run(
            [
                "pg_rewind",
                "-D",
                str(self.data_dir),
                f"--source-server={source.dsn()}",
                "--restore-target-wal",
                "--no-sync",
                "--progress",
            ],
            timeout=600,
        )
        if result.returncode != 0:
            raise PostgresError(
                f"{self.name}: pg_rewind onto {source.name} failed:\n"
                f"{tail(result.stdout + result.stderr)}"
            )

    def unfence(self) -> None:
        """Forget the fence: call only once the node follows the current primary."""
        (self.data_dir / FENCE_MARKER).unlink(missing_ok=True)

    def last_checkpoint_lsn(self) -> int:
        """Where the latest checkpoint record is (pg_controldata; for a cleanly stopped
        primary, its final record): a replica holding WAL past it has everything."""
        result = self._run(["pg_controldata", "-D", str(self.data_dir)], timeout=30)
        for line in result.stdout.splitlines():
            if line.startswith("Latest checkpoint location:"):
                high, low = line.split(":", 1)[1].strip().split("/")
                return (int(high, 16) << 32) | int(low, 16)
        raise PostgresError(f"{self.name}: pg_controldata gave no checkpoint location")

    # ---- slots and WAL positions ----------------------------------------------------------

    def ensure_slot(self, slot: str) -> None:
        self.psql(
            "SELECT pg_create_physical_replication_slot(name, true) FROM (SELECT "
            f"'{_identifier(slot)}'::name AS name) s WHERE NOT EXISTS (SELECT 1 FROM "
            "pg_replication_slots WHERE slot_name = s.name)"
        )

    def drop_slot(self, slot: str) -> None:
        self.psql(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
            f"WHERE slot_name = '{_identifier(slot)}' AND NOT active"
        )

    def wal_lsn(self) -> str:
        """Primary: where WAL is flushed to. Replica: what it has received (flushed)."""
        return self.psql(
            "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() "
            "ELSE pg_current_wal_flush_lsn() END"
        ).strip()

    def replay_lsn(self) -> str:
        return self.psql("SELECT pg_last_wal_replay_lsn()").strip()

    def timeline(self) -> int | None:
        """The timeline the node is on (from the latest checkpoint when it is down)."""
        if self.is_running():
            with contextlib.suppress(PostgresError):
                # A primary's current WAL file name starts with its timeline (hex); a
                # replica's receiver knows the one it streams; the last checkpoint's is the
                # fallback (it lags a promotion until the next checkpoint).
                value = self.psql(
                    "SELECT CASE WHEN pg_is_in_recovery() THEN (SELECT received_tli::text "
                    "FROM pg_stat_wal_receiver) ELSE ('x' || left(pg_walfile_name("
                    "pg_current_wal_lsn()), 8)) END, timeline_id FROM pg_control_checkpoint()"
                ).strip()
                current, checkpoint = (value.split("|") + [""])[:2]
                if current.startswith("x"):
                    return int(current[1:], 16)
                return int(current or checkpoint)
        result = self._run(["pg_controldata", "-D", str(self.data_dir)], timeout=30)
        for line in result.stdout.splitlines():
            if line.startswith("Latest checkpoint's TimeLineID:"):
                return int(line.split(":", 1)[1])
        return None

    # ---- queries ------------------------------------------------------------------------

    def psql(self, sql: str, dbname: str = "postgres", *, timeout: float = 60) -> str:
        """Run SQL through psql (stop on error, unaligned, tuples only); return stdout."""
        cmd = [
            client_program(self.bin_dir, "psql"),
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            self.dsn(dbname) + "?connect_timeout=5",
            "-c",
            sql,
        ]
        try:
            result = subprocess.run(
                cmd, capture_output=True, text=True, env=clean_env(), timeout=timeout, cwd="/"
            )
        except subprocess.TimeoutExpired:
            raise PostgresError(f"{self.name}: psql did not finish in {timeout} s") from None
        if result.returncode != 0:
            raise PostgresError(f"{self.name}: {result.stderr.strip()}")
        return result.stdout

    def log_tail(self, lines: int = 40) -> str:
        try:
            return tail(self.log_path.read_text(errors="replace"), lines)
        except OSError:
            return "(no log)"

    # ---- internals ----------------------------------------------------------------------

    def _prepare_root(self) -> None:
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise PostgresError(
                f"{self.name}: {self.data_dir} already holds a database; remove it first"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        self.log_path.touch()
        if self._user is not None:
            if not traversable_by(self.root.parent, self._user.pw_uid):
                raise PostgresError(
                    f"{self.root.parent} is not reachable by the user {self._user.pw_name} that "
                    "PostgreSQL runs as: choose a data directory under a world-searchable path"
                )
            for path in (self.root, self.socket_dir, self.log_path):
                self._chown(path)
            os.chmod(self.root, 0o700)

    def _allow_replication_connections(self) -> None:
        hba = self.data_dir / "pg_hba.conf"
        lines = hba.read_text()
        extra = "host    replication     all             127.0.0.0/8             trust\n"
        if extra not in lines:
            hba.write_text(lines + "\n# hotelreviews: replicas and pg_basebackup\n" + extra)

    def _write_conf(self, name: str, settings: Mapping[str, str | int]) -> None:
        path = self.data_dir / name
        tmp = path.with_suffix(".tmp")
        tmp.write_text(render_conf(settings))
        self._chown(tmp)
        tmp.replace(path)

    def _drop_auto_conf_replication(self) -> None:
        auto = self.data_dir / "postgresql.auto.conf"
        if auto.exists():
            auto.write_text(without_replication(auto.read_text()))

    def _chown(self, path: Path) -> None:
        if self._user is not None:
            os.chown(path, self._user.pw_uid, self._user.pw_gid)

    def _run(self, argv: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
        program = argv[0]
        path = self.bin_dir / program
        cmd = [str(path) if path.exists() else client_program(self.bin_dir, program), *argv[1:]]
        return subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(self.root),
            env=clean_env(home=str(self.root)),
            stdin=subprocess.DEVNULL,
            **as_user(self._user),
        )


def _identifier(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.islower():
        raise ValueError(f"invalid slot name {name!r} (a-z, 0-9, _)")
    return name
