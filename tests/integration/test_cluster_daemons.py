"""Background processes of the cluster (hotelreviews.cluster.daemons), with real processes:
started by one process, found and stopped by another, never confused with a stranger."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotelreviews.cluster.daemons import (
    Daemon,
    DaemonError,
    StopResult,
    process_start_time,
    wait_for_tcp,
)
from tests.support.pg_server import free_port

# A daemon that says it started, then sleeps (and says when SIGUSR1 arrives); with
# IGNORE_TERM it shrugs SIGTERM off, with FORK it leaves a child in its process group.
SLEEPER = textwrap.dedent(
    """
    import os, signal, sys, time
    signal.signal(signal.SIGUSR1, lambda *_: print("got SIGUSR1", flush=True))
    if "IGNORE_TERM" in sys.argv:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "FORK" in sys.argv and os.fork() == 0:
        print("child", os.getpid(), flush=True)
        time.sleep(600)
        sys.exit(0)
    print("started", os.getpid(), flush=True)
    time.sleep(600)
    """
)


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    daemon = Daemon("sleeper", tmp_path / "run" / "sleeper.json", tmp_path / "log" / "sleeper.log")
    try:
        yield daemon
    finally:
        daemon.stop(timeout=5)


def _start_sleeper(daemon: Daemon, *flags: str) -> int:
    record = daemon.start([sys.executable, "-c", SLEEPER, *flags])
    _wait_for_log(daemon, "started")
    return record.pid


def _wait_for_log(daemon: Daemon, text: str) -> None:
    # Without a port to wait for, the log line is the sign the script got that far.
    deadline = time.monotonic() + 30
    while text not in daemon.log_tail():
        assert time.monotonic() < deadline, f"{daemon.name} never logged {text!r}"
        time.sleep(0.05)


def _stop_from_another_process(daemon: Daemon) -> str:
    """Stop it as `cluster down` would: from a process that did not start it."""
    code = (
        "import sys; from pathlib import Path; from hotelreviews.cluster.daemons import Daemon;"
        "d = Daemon('sleeper', Path(sys.argv[1]), Path(sys.argv[2]));"
        "print(d.stop(timeout=float(sys.argv[3])).name)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(daemon.pid_file), str(daemon.log_file), "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def _alive(pid: int) -> bool:
    return process_start_time(pid) is not None


def test_a_daemon_is_recorded_with_its_pid_and_start_time_and_logs_to_its_file(
    daemon: Daemon,
) -> None:
    pid = _start_sleeper(daemon)

    record = json.loads(daemon.pid_file.read_text())
    assert record["pid"] == pid
    assert record["start_time"] == process_start_time(pid)
    assert daemon.is_running()
    assert f"started {pid}" in daemon.log_file.read_text()
    assert os.getsid(pid) == pid  # a session (and process group) of its own


def test_another_process_stops_it_and_removes_the_pid_file(daemon: Daemon) -> None:
    pid = _start_sleeper(daemon)

    outcome = _stop_from_another_process(daemon)

    assert outcome == StopResult.TERMINATED.name
    assert not daemon.is_running()
    assert not _alive(pid)
    assert not daemon.pid_file.exists()


def test_a_daemon_ignoring_sigterm_is_killed(daemon: Daemon) -> None:
    pid = _start_sleeper(daemon, "IGNORE_TERM")

    outcome = _stop_from_another_process(daemon)

    assert outcome == StopResult.KILLED.name
    assert not _alive(pid)


def test_stop_ends_the_processes_the_daemon_forked(daemon: Daemon) -> None:
    _start_sleeper(daemon, "FORK")
    _wait_for_log(daemon, "child")
    child = int(daemon.log_tail().split("child ")[1].split()[0])

    assert daemon.stop(timeout=5) is StopResult.TERMINATED
    assert not _alive(child)


def test_a_reused_pid_is_not_taken_for_the_daemon(daemon: Daemon, tmp_path: Path) -> None:
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        # The pid file of a daemon long gone whose pid now belongs to the stranger.
        daemon.pid_file.parent.mkdir(parents=True)
        daemon.pid_file.write_text(
            json.dumps({"pid": stranger.pid, "start_time": 1, "command": ["redis-server"]})
        )

        assert not daemon.is_running()
        assert daemon.stop() is StopResult.NOT_RUNNING
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_a_running_daemon_is_not_started_twice(daemon: Daemon) -> None:
    pid = _start_sleeper(daemon)

    with pytest.raises(DaemonError, match=f"already running \\(pid {pid}"):
        daemon.start([sys.executable, "-c", SLEEPER])


def test_stopping_a_daemon_never_started_says_so(daemon: Daemon) -> None:
    assert daemon.stop() is StopResult.NOT_RUNNING


def test_signals_reach_the_running_daemon(daemon: Daemon) -> None:
    _start_sleeper(daemon)

    daemon.send_signal(signal.SIGUSR1)

    _wait_for_log(daemon, "got SIGUSR1")
    assert daemon.is_running()


def test_waiting_for_a_port_ends_with_the_log_when_the_daemon_exits(daemon: Daemon) -> None:
    port = free_port("127.0.0.1")
    daemon.start([sys.executable, "-c", "print('cannot bind: config error'); raise SystemExit(3)"])

    with pytest.raises(DaemonError, match="(?s)exited while waiting.*cannot bind: config error"):
        wait_for_tcp("127.0.0.1", port, timeout=60, daemon=daemon)


def test_waiting_for_a_port_returns_once_it_listens(daemon: Daemon) -> None:
    port = free_port("127.0.0.1")
    daemon.start([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)])

    wait_for_tcp("127.0.0.1", port, timeout=60, daemon=daemon)

    assert daemon.is_running()
