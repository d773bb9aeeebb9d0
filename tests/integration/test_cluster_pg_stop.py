"""PgNode.stop returns once the postmaster process has exited, not when its pid file goes.

pg_ctl's wait ends when postmaster.pid is removed, which the postmaster does on its way out;
on a loaded machine it was still alive after (CI: `cluster down` then found the last replica
it stopped "still running"). A stand-in postmaster makes that gap long every time: it removes
its pid file when told to stop, then takes a second and a half to exit. The real pg_ctl drives
it, as the server's own user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotelreviews.cluster.daemons import process_start_time
from hotelreviews.cluster.pg import PgNode
from hotelreviews.cluster.pg_tools import (
    PostgresNotFoundError,
    as_user,
    find_pg_bin_dir,
    server_user,
)

# A shell, not Python: the server's user may not reach this interpreter (under /root).
SLOW_POSTMASTER = """
pid_file="$1"
leave() {
    rm -f "$pid_file"  # what pg_ctl waits for ...
    sleep 1.5          # ... while the process is still there
    exit 0
}
trap leave INT  # pg_ctl's fast shutdown
printf '%s\\n%s\\n' "$$" "$(dirname "$pid_file")" > "$pid_file.tmp"
mv "$pid_file.tmp" "$pid_file"
while :; do sleep 0.05; done
"""


@pytest.fixture
def node_root() -> Iterator[Path]:
    try:
        find_pg_bin_dir()
    except PostgresNotFoundError as error:
        pytest.skip(str(error))
    root = Path(tempfile.mkdtemp(prefix="hr-pgstop-", dir="/tmp"))
    os.chmod(root, 0o755)  # the server's user reaches data/ inside
    (root / "data").mkdir()
    (root / "data" / "PG_VERSION").write_text("15\n")  # pg_ctl checks it is a data directory
    user = server_user()
    if user is not None:
        os.chown(root / "data", user.pw_uid, user.pw_gid)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_stop_returns_after_the_postmaster_exits_not_when_its_pid_file_is_removed(
    node_root: Path,
) -> None:
    pid_file = node_root / "data" / "postmaster.pid"
    postmaster = subprocess.Popen(
        ["/bin/sh", "-c", SLOW_POSTMASTER, "postmaster", str(pid_file)], **as_user(server_user())
    )
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists():
            assert postmaster.poll() is None, "the stand-in postmaster died at start"
            assert time.monotonic() < deadline, "the stand-in postmaster wrote no pid file"
            time.sleep(0.02)
        node = PgNode(name="slow", root=node_root, port=0)
        assert node.postmaster_pid() == postmaster.pid

        node.stop(mode="fast")

        # Gone (a zombie waiting for this test to reap it counts as gone), and not killed:
        # it ended by its own exit, the way a fast shutdown ends.
        assert process_start_time(postmaster.pid) is None
        assert postmaster.wait(timeout=10) == 0
    finally:
        if postmaster.poll() is None:
            postmaster.kill()
            postmaster.wait()
