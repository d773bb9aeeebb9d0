"""Long-lived background processes that one `hotelreviews` invocation starts and a later one
(`cluster status`, `cluster down`) inspects and stops.

A daemon is started detached — in a session of its own (so it is the leader of its process
group and outlives the terminal), stdin from /dev/null, stdout and stderr appended to its log
file — and recorded in a small JSON pid file: its pid *and* its start time (field 22 of
/proc/<pid>/stat, in clock ticks since boot). A pid alone is not enough: after a reboot or a
crash the number may belong to an unrelated process, and `down` must never signal that one.

Linux only (/proc). PostgreSQL is not managed here: pg_ctl has its own pid file and shutdown
modes (see hotelreviews.cluster.pg).
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

POLL_INTERVAL = 0.05
LOG_TAIL_CHARS = 2000
# The daemons this process started, by pid.
_started: dict[int, subprocess.Popen[bytes]] = {}


class DaemonError(RuntimeError):
    """A daemon could not be started, or did not come up in time."""


class StopResult(enum.Enum):
    """How `Daemon.stop` ended."""

    NOT_RUNNING = "not running"  # nothing to stop (no pid file, or the process had gone)
    TERMINATED = "terminated"  # exited after SIGTERM
    KILLED = "killed"  # still there after the grace period: SIGKILL


@dataclass(frozen=True)
class DaemonRecord:
    """What the pid file says about a started daemon."""

    pid: int
    start_time: int
    command: list[str]


@dataclass(frozen=True)
class Daemon:
    """One named background process, known by its pid file and its log file."""

    name: str
    pid_file: Path
    log_file: Path

    def start(
        self,
        command: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> DaemonRecord:
        """Start `command` detached and record it; refuses when this daemon already runs."""
        running = self.record()
        if running is not None:
            raise DaemonError(
                f"{self.name} is already running (pid {running.pid}, pid file {self.pid_file})"
            )
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            try:
                process = subprocess.Popen(
                    list(command),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=cwd,
                    env=dict(env) if env is not None else None,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as error:
                raise DaemonError(f"cannot start {self.name} ({command[0]}): {error}") from error
        start_time = process_start_time(process.pid)
        if start_time is None:  # gone already (a zombie has no start time worth keeping)
            process.wait()
            raise DaemonError(
                f"{self.name} exited at once with code {process.returncode}; "
                f"its log {self.log_file} ends with:\n{self.log_tail()}"
            )
        record = DaemonRecord(process.pid, start_time, list(command))
        _write_json(
            self.pid_file,
            {"pid": record.pid, "start_time": record.start_time, "command": record.command},
        )
        # Kept so that `stop` in this same process (tests do that) can reap it; a later
        # invocation is not its parent and has nothing to reap.
        _started[process.pid] = process
        return record

    def record(self) -> DaemonRecord | None:
        """The pid file's record when that very process is still alive, else None."""
        record = self._read_record()
        if record is None or process_start_time(record.pid) != record.start_time:
            return None
        return record

    @property
    def pid(self) -> int | None:
        record = self.record()
        return record.pid if record is not None else None

    def is_running(self) -> bool:
        return self.record() is not None

    def send_signal(self, signum: int) -> None:
        """Signal the daemon's main process (e.g. SIGHUP/SIGUSR2 to reload)."""
        record = self.record()
        if record is None:
            raise DaemonError(f"{self.name} is not running (pid file {self.pid_file})")
        os.kill(record.pid, signum)

    def stop(self, *, timeout: float = 15.0) -> StopResult:
        """SIGTERM the daemon's process group, wait up to `timeout` seconds for every process
        in it to exit, then SIGKILL what is left. Removes the pid file."""
        record = self.record()
        if record is None:
            self.pid_file.unlink(missing_ok=True)
            return StopResult.NOT_RUNNING
        # Started with a session of its own, the daemon leads a process group numbered by its
        # pid: the group holds the workers it forked too.
        group = record.pid
        _signal_group(group, signal.SIGTERM)
        result = StopResult.TERMINATED
        if not _wait_group_gone(group, record, timeout):
            _signal_group(group, signal.SIGKILL)
            result = StopResult.KILLED
            _wait_group_gone(group, record, 10.0)
        self.pid_file.unlink(missing_ok=True)
        return result

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        """The end of the log file ('' when there is none), for error messages."""
        try:
            with open(self.log_file, "rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - chars))
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    def _read_record(self) -> DaemonRecord | None:
        try:
            data = json.loads(self.pid_file.read_text())
            return DaemonRecord(int(data["pid"]), int(data["start_time"]), list(data["command"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # no pid file, or a torn one: nothing we could safely signal


def process_start_time(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat (start time, clock ticks after boot); None when the
    process does not exist or is a zombie (it has exited; only its parent's wait is due)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces or ')': split after
    # the last ')'. What follows starts at field 3, the state.
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[22 - 3])


def accepts(host: str, port: int) -> bool:
    """Something accepts TCP connections on host:port now."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def wait_for_tcp(host: str, port: int, timeout: float, *, daemon: Daemon | None = None) -> None:
    """Return once `host:port` accepts connections; raise DaemonError after `timeout` seconds
    (or as soon as `daemon`, the process meant to listen there, has exited)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1.0):
            return
        _check_still_waiting(f"{host}:{port} to accept connections", deadline, timeout, daemon)


def wait_for_http(
    url: str,
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
    *,
    daemon: Daemon | None = None,
) -> None:
    """Return once GET `url` answers 200; raise DaemonError after `timeout` seconds (or as
    soon as `daemon` has exited). Any other status or error counts as not ready yet."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2.0, context=ssl_context) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            last = f"HTTP {error.code}"
        except (OSError, ssl.SSLError) as error:
            last = str(getattr(error, "reason", error))
        _check_still_waiting(f"{url} to answer 200 (last: {last})", deadline, timeout, daemon)


def _check_still_waiting(what: str, deadline: float, timeout: float, daemon: Daemon | None) -> None:
    if daemon is not None and not daemon.is_running():
        raise DaemonError(
            f"{daemon.name} exited while waiting for {what}; "
            f"its log {daemon.log_file} ends with:\n{daemon.log_tail()}"
        )
    if time.monotonic() >= deadline:
        hint = (
            f"; {daemon.name}'s log {daemon.log_file} ends with:\n{daemon.log_tail()}"
            if daemon is not None
            else ""
        )
        raise DaemonError(f"gave up after {timeout:g} s waiting for {what}{hint}")
    time.sleep(POLL_INTERVAL)


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signum)


def _wait_group_gone(group: int, leader: DaemonRecord, timeout: float) -> bool:
    """Wait until no live process is left in `group`, reaping the leader when it is our own
    child (when the same process that started it stops it, as tests do)."""
    deadline = time.monotonic() + timeout
    while True:
        _reap(leader.pid)
        if not _live_group_members(group):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_INTERVAL)


def _reap(pid: int) -> None:
    process = _started.get(pid)
    if process is not None and process.poll() is not None:
        del _started[pid]


def _live_group_members(group: int) -> list[int]:
    """Pids of the processes in process group `group` that have not exited (zombies aside)."""
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is the state (field 3), fields[2] the process group (field 5).
        if fields[0] not in ("Z", "X") and int(fields[2]) == group:
            members.append(int(entry.name))
    return members


def _write_json(path: Path, data: object) -> None:
    """Write through a temporary file renamed over `path`: a reader never sees half of it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data) + "\n")
    os.replace(temporary, path)
