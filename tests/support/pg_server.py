"""Throwaway PostgreSQL servers for tests.

Each :class:`PostgresServer` runs its own cluster: ``initdb`` into a fresh
temporary directory, a free TCP port on 127.0.0.1, its Unix socket and log
file inside that directory. Nothing touches the machine's shared cluster
(a system PostgreSQL may be listening on 5432; we never use it).

PostgreSQL refuses to run as root. When the tests run as root, ``initdb``,
``pg_ctl`` and ``postgres`` run as an unprivileged user instead: the
``postgres`` system user if it exists, otherwise ``hotelreviews-pg``
(created on demand; hotelreviews.cluster.pg_tools). The temporary directory is
handed to that user. Clients (``psql``, asyncpg) connect over TCP with
``trust`` auth as the ``postgres`` superuser and may run as anyone.

Servers still running when the interpreter exits (or gets SIGTERM/SIGHUP)
are stopped, and directories left behind by crashed test runs are reaped
the next time a server starts.

Usage::

    with PostgresServer() as pg:
        url = pg.create_database("app_test")  # postgresql+asyncpg://...
        ...

    # A primary with a streaming replica (pg_basebackup + a physical replication slot):
    with PostgresServer(settings=REPLICATION_SETTINGS) as primary:
        with ReplicaServer(primary, slot="replica_1") as replica:
            replica.pause_replay()
            replica.stop_keeping_data(); replica.start_again()  # same port, same slot

Environment:
    HOTELREVIEWS_TEST_PG_BIN  directory holding initdb, pg_ctl and postgres
                              (overrides discovery).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType, TracebackType

from hotelreviews.cluster.pg_tools import (
    LEGACY_PG_BIN_ENV,
    PostgresError,
    PostgresNotFoundError,
    clean_env,
    client_program,
    find_pg_bin_dir,
    pg_major_version,
    pid_exists,
    server_user,
    tail,
    traversable_by,
)

__all__ = [
    "PG_BIN_ENV",
    "PostgresError",
    "PostgresNotFoundError",
    "PostgresServer",
    "REPLICATION_SETTINGS",
    "ReplicaServer",
    "find_pg_bin_dir",
    "free_port",
    "pg_major_version",
]

# Finding the programs and running them as the server user when root: the application's
# own (hotelreviews.cluster.pg_tools), so the tests and `hotelreviews cluster` agree.
PG_BIN_ENV = LEGACY_PG_BIN_ENV
DIR_PREFIX = "hotelreviews-pg-"
SUPERUSER = "postgres"
HOST = "127.0.0.1"

_DB_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
# sun_path is 108 bytes on Linux; leave room for "/.s.PGSQL.NNNNN".
_MAX_SOCKET_DIR_LEN = 80
_BIND_ERRORS = ("could not bind", "Address already in use", "could not create any TCP/IP sockets")


def free_port(host: str = HOST) -> int:
    """Return a TCP port on ``host`` that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------- process registry

_live: set[PostgresServer] = set()
_live_lock = threading.RLock()  # re-entrant: the signal handler takes it too
_hooks_installed = False


def _stop_all() -> None:
    with _live_lock:
        servers = [s for s in _live if s._owner_pid == os.getpid()]
    for server in servers:
        with contextlib.suppress(Exception):
            server.stop()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _stop_all()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_exit_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(_stop_all)
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(ValueError, OSError):
                if signal.getsignal(sig) == signal.SIG_DFL:
                    signal.signal(sig, _on_signal)


def _reap_stale(parent: Path, bin_dir: Path) -> None:
    """Stop servers and delete directories left by test processes that died."""
    try:
        entries = list(parent.glob(DIR_PREFIX + "*"))
    except OSError:
        return
    for entry in entries:
        try:
            owner = int((entry / "owner.pid").read_text().strip())
        except (OSError, ValueError):
            continue  # being set up right now, or not ours
        if pid_exists(owner):
            continue
        with contextlib.suppress(Exception):
            data = entry / "data"
            if (data / "postmaster.pid").exists():
                kwargs = {}
                if os.geteuid() == 0:
                    st = data.stat()
                    kwargs = {"user": st.st_uid, "group": st.st_gid, "extra_groups": []}
                subprocess.run(
                    [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                    capture_output=True,
                    timeout=30,
                    cwd="/",
                    env=clean_env(),
                    **kwargs,
                )
        shutil.rmtree(entry, ignore_errors=True)


# ------------------------------------------------------------------------ server


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1:<free port>.

    ``base_dir``: parent directory for the server's own temporary directory
    (default: the system temp dir; when running as root and the server's user
    cannot enter ``base_dir``, the system temp dir is used instead).
    ``settings``: extra ``-c name=value`` server settings.
    ``bin_dir``: server binaries (default: :func:`find_pg_bin_dir`).
    """

    def __init__(
        self,
        base_dir: str | os.PathLike[str] | None = None,
        *,
        bin_dir: str | os.PathLike[str] | None = None,
        settings: dict[str, str | int] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self.bin_dir = Path(bin_dir) if bin_dir is not None else find_pg_bin_dir()
        self.settings: dict[str, str | int] = {
            "listen_addresses": HOST,
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": 200,
        }
        self.settings.update(settings or {})
        self.startup_timeout = startup_timeout
        self.host = HOST
        self.superuser = SUPERUSER
        self.port: int | None = None
        self.root_dir: Path | None = None
        self._extra_socket_dir: Path | None = None
        self._proc_user: pwd.struct_passwd | None = None
        self._owner_pid = os.getpid()
        self._running = False
        self.startup_seconds: float | None = None

    # ---- paths -----------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self._root() / "data"

    @property
    def log_path(self) -> Path:
        return self._root() / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        return self._extra_socket_dir or self._root() / "sock"

    @property
    def running(self) -> bool:
        return self._running

    @property
    def run_as(self) -> str | None:
        """User the server processes run as when we are root, else None."""
        return self._proc_user.pw_name if self._proc_user else None

    @property
    def version(self) -> int:
        return pg_major_version(self.bin_dir)

    def _root(self) -> Path:
        if self.root_dir is None:
            raise PostgresError("server not started")
        return self.root_dir

    # ---- lifecycle ----------------------------------------------------------------

    def start(self) -> PostgresServer:
        """initdb + start; returns self. Raises PostgresError with the log tail."""
        if self._running:
            return self
        t0 = time.monotonic()
        _install_exit_hooks()
        if os.geteuid() == 0:
            self._proc_user = server_user()
        parent = self._choose_parent()
        _reap_stale(parent, self.bin_dir)
        self.root_dir = Path(tempfile.mkdtemp(prefix=DIR_PREFIX, dir=parent))
        with _live_lock:
            _live.add(self)
        try:
            (self.root_dir / "owner.pid").write_text(f"{os.getpid()}\n")
            self._prepare_dirs()
            self._initdb()
            self._start_with_free_port()
        except BaseException:
            self._cleanup_after_failed_start()
            raise
        self._running = True
        self.startup_seconds = time.monotonic() - t0
        return self

    def stop(self) -> None:
        """Fast shutdown, then remove the server's directory. Safe to call twice."""
        try:
            if self.root_dir is not None and (self.data_dir / "postmaster.pid").exists():
                result = self._run_server_tool(
                    ["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop"],
                    check=False,
                    timeout=60,
                )
                if result.returncode != 0:
                    self._kill_postmaster()
        finally:
            self._running = False
            self._remove_dirs()
            with _live_lock:
                _live.discard(self)

    def stop_keeping_data(self) -> None:
        """Shut the server down (fast mode) but keep its data and port for start_again()."""
        if not self._running:
            return
        result = self._run_server_tool(
            ["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop"],
            check=False,
            timeout=60,
        )
        if result.returncode != 0:
            self._kill_postmaster()
        self._running = False

    def start_again(self) -> None:
        """Start a server stopped by stop_keeping_data() on its old port (clients reconnect)."""
        if self._running:
            return
        result = self._pg_ctl_start(self._port())
        if result.returncode != 0:
            raise PostgresError(
                f"pg_ctl start failed (exit {result.returncode}) on port {self.port}:\n"
                f"{tail(result.stdout + result.stderr)}\n--- {self.log_path} (tail) ---\n"
                f"{self.logtail()}"
            )
        self._running = True

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return f"<PostgresServer {self.host}:{self.port} {state} dir={self.root_dir}>"

    # ---- connection strings -------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy async URL: postgresql+asyncpg://postgres@127.0.0.1:PORT/dbname"""
        return f"postgresql+asyncpg://{self.superuser}@{self.host}:{self._port()}/{dbname}"

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq URI (psql, asyncpg.connect): postgresql://postgres@127.0.0.1:PORT/dbname"""
        return f"postgresql://{self.superuser}@{self.host}:{self._port()}/{dbname}"

    def _port(self) -> int:
        if self.port is None:
            raise PostgresError("server not started")
        return self.port

    # ---- databases ------------------------------------------------------------------

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run SQL with psql (ON_ERROR_STOP, unaligned tuples-only); return stdout."""
        cmd = [
            client_program(self.bin_dir, "psql"),
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            self.dsn(dbname),
            "-c",
            sql,
        ]
        result = subprocess.run(
            cmd, capture_output=True, text=True, env=clean_env(), timeout=60, cwd="/"
        )
        if result.returncode != 0:
            raise PostgresError(f"psql failed ({result.returncode}): {result.stderr.strip()}")
        return result.stdout

    def create_database(self, name: str, template: str | None = None) -> str:
        """CREATE DATABASE name [TEMPLATE template]; returns its SQLAlchemy async URL.

        Sessions still connected to ``template`` (say, a pool not closed yet)
        are terminated first: PostgreSQL refuses to copy a database in use
        (after waiting 5 s).
        """
        sql = f'CREATE DATABASE "{_check_db_name(name)}"'
        if template is None:
            self.psql(sql)
            return self.url(name)
        sql += f' TEMPLATE "{_check_db_name(template)}"'
        kick = (
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{template}' AND pid <> pg_backend_pid()"
        )
        for attempt in range(5):
            self.psql(kick)
            try:
                self.psql(sql)
                break
            except PostgresError as exc:
                if "being accessed by other users" not in str(exc) or attempt == 4:
                    raise
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE IF EXISTS name, disconnecting its sessions."""
        self.psql(f'DROP DATABASE IF EXISTS "{_check_db_name(name)}" WITH (FORCE)')

    def logtail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, PostgresError):
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # ---- internals --------------------------------------------------------------------

    def _choose_parent(self) -> Path:
        parent = (self.base_dir or Path(tempfile.gettempdir())).resolve()
        parent.mkdir(parents=True, exist_ok=True)
        if self._proc_user and not traversable_by(parent, self._proc_user.pw_uid):
            fallback = Path(tempfile.gettempdir()).resolve()
            if not traversable_by(fallback, self._proc_user.pw_uid):
                fallback = Path("/tmp")
            # e.g. pytest's tmp_path under root-only /tmp/pytest-of-root: the server's
            # user could not enter it, so use the temp dir instead (documented).
            parent = fallback
        return parent

    def _prepare_dirs(self) -> None:
        root = self._root()
        sock = root / "sock"
        if len(str(sock)) > _MAX_SOCKET_DIR_LEN:
            self._extra_socket_dir = Path(tempfile.mkdtemp(prefix="hrpg-", dir="/tmp"))
        else:
            sock.mkdir()
        self.log_path.touch()
        if self._proc_user:
            uid, gid = self._proc_user.pw_uid, self._proc_user.pw_gid
            for path in (root, self.socket_dir, self.log_path):
                os.chown(path, uid, gid)
            os.chmod(root, 0o700)

    def _initdb(self) -> None:
        result = self._run_server_tool(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-A",
                "trust",
                "-U",
                self.superuser,
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=False,
            timeout=120,
        )
        if result.returncode != 0:
            raise PostgresError(
                f"initdb failed (exit {result.returncode}) in {self.data_dir}:\n"
                f"{tail(result.stdout + result.stderr)}"
            )

    def _server_options(self, port: int) -> str:
        opts = [f"-p {port}", f"-k {self.socket_dir}"]
        opts += [f"-c {key}={value}" for key, value in self.settings.items()]
        return " ".join(opts)

    def _pg_ctl_start(self, port: int) -> subprocess.CompletedProcess[str]:
        return self._run_server_tool(
            [
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_path),
                "-w",
                "-t",
                str(int(self.startup_timeout)),
                "-o",
                self._server_options(port),
                "start",
            ],
            check=False,
            timeout=self.startup_timeout + 30,
        )

    def _start_with_free_port(self, attempts: int = 5) -> None:
        last_error = ""
        for _ in range(attempts):
            port = free_port(self.host)
            log_offset = self.log_path.stat().st_size
            result = self._pg_ctl_start(port)
            if result.returncode == 0:
                self.port = port
                return
            with contextlib.suppress(Exception):
                self._kill_postmaster()
            new_log = ""
            with contextlib.suppress(OSError), self.log_path.open("rb") as fh:
                fh.seek(log_offset)
                new_log = fh.read().decode(errors="replace")
            last_error = (
                f"pg_ctl start failed (exit {result.returncode}) on port {port}:\n"
                f"{tail(result.stdout + result.stderr)}\n--- {self.log_path} (tail) ---\n"
                f"{tail(new_log)}"
            )
            if not any(marker in new_log for marker in _BIND_ERRORS):
                break  # not a port race: retrying will not help
        raise PostgresError(last_error)

    def _run_server_tool(
        self, argv: list[str], *, check: bool, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """Run initdb/pg_ctl from bin_dir, as the unprivileged user when root."""
        cmd = [str(self.bin_dir / argv[0]), *argv[1:]]
        kwargs: dict[str, object] = {}
        if self._proc_user:
            kwargs = {
                "user": self._proc_user.pw_uid,
                "group": self._proc_user.pw_gid,
                "extra_groups": [],
            }
        # pg_ctl's stdout/stderr are not inherited by the daemon (it logs to -l), so
        # capturing them cannot block on a long-lived postmaster.
        return subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
            cwd=str(self._root()),
            env=clean_env(home=str(self._root())),
            stdin=subprocess.DEVNULL,
            **kwargs,  # type: ignore[arg-type]
        )

    def _kill_postmaster(self) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown of postmaster + children
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and pid_exists(pid):
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)

    def _cleanup_after_failed_start(self) -> None:
        self._running = False
        with _live_lock:
            _live.discard(self)
        with contextlib.suppress(Exception):
            self._kill_postmaster()
        self._remove_dirs()
        self.port = None

    def _remove_dirs(self) -> None:
        if self.root_dir is not None:
            shutil.rmtree(self.root_dir, ignore_errors=True)
        if self._extra_socket_dir is not None:
            shutil.rmtree(self._extra_socket_dir, ignore_errors=True)
            self._extra_socket_dir = None


# What a primary needs so that replicas can stream from it (PostgreSQL 15's defaults, spelled
# out so that a change of defaults or a test's settings cannot silently break replication).
# initdb's pg_hba.conf already lets replication connections in from 127.0.0.1 (trust).
REPLICATION_SETTINGS: dict[str, str | int] = {
    "wal_level": "replica",
    "max_wal_senders": 10,
    "max_replication_slots": 10,
}
_SLOT_NAME_RE = re.compile(r"^[a-z0-9_]{1,63}$")


class ReplicaServer(PostgresServer):
    """A streaming hot-standby replica of a running ``primary``.

    ``start()`` runs ``pg_basebackup -R -C -S <slot>`` from the primary instead of initdb: a
    physical replication slot keeps the WAL the replica still needs, and ``-R`` writes
    ``standby.signal`` with ``primary_conninfo``/``primary_slot_name``. Server settings default
    to the primary's (a hot standby needs max_connections and friends at least as high).
    ``stop()`` also drops the slot on the primary, so WAL is not kept for a replica that is
    gone. ``stop_keeping_data()`` / ``start_again()`` take it down and bring it back on the
    same port, still streaming from the same slot.
    """

    def __init__(
        self,
        primary: PostgresServer,
        *,
        slot: str = "replica_1",
        settings: dict[str, str | int] | None = None,
        **kwargs: object,
    ) -> None:
        if not _SLOT_NAME_RE.match(slot):
            raise ValueError(f"invalid replication slot name {slot!r} (a-z, 0-9, _)")
        super().__init__(
            bin_dir=primary.bin_dir,
            settings={**primary.settings, **(settings or {})},
            **kwargs,  # type: ignore[arg-type]
        )
        self.primary = primary
        self.slot = slot

    def _initdb(self) -> None:
        wal_level = self.primary.psql("SHOW wal_level").strip()
        if wal_level not in ("replica", "logical"):
            raise PostgresError(
                f"the primary runs with wal_level={wal_level}: start it with "
                "settings=REPLICATION_SETTINGS to stream to replicas"
            )
        result = self._run_server_tool(
            [
                "pg_basebackup",
                "-D",
                str(self.data_dir),
                "-d",
                self.primary.dsn(),
                "--write-recovery-conf",
                "--create-slot",
                "--slot",
                self.slot,
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-sync",
            ],
            check=False,
            timeout=300,
        )
        if result.returncode != 0:
            raise PostgresError(
                f"pg_basebackup from {self.primary.dsn()} failed (exit {result.returncode}):\n"
                f"{tail(result.stdout + result.stderr)}"
            )

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            if self.primary.running:
                with contextlib.suppress(PostgresError):
                    self.primary.psql(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                        f"WHERE slot_name = '{self.slot}'"
                    )

    def pause_replay(self) -> None:
        """Stop applying WAL (it is still received): the replica falls behind from now on."""
        self.psql("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.psql("SELECT pg_wal_replay_resume()")

    def wait_until_caught_up(self, timeout: float = 60.0) -> None:
        """Block until the replica has replayed everything the primary had written when called."""
        target = self.primary.psql("SELECT pg_current_wal_insert_lsn()").strip()
        check = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
        deadline = time.monotonic() + timeout
        while self.psql(check).strip() != "t":
            if time.monotonic() > deadline:
                raise PostgresError(f"replica did not replay up to {target} in {timeout} s")
            time.sleep(0.05)


def _check_db_name(name: str) -> str:
    if not _DB_NAME_RE.match(name):
        raise ValueError(f"invalid database name {name!r} (use letters, digits, underscore)")
    return name
