"""Running PostgreSQL's programs (pg_basebackup, pg_verifybackup, pg_waldump,
pg_archivecleanup) and tar as the user PostgreSQL runs as, so every file of a backup and of a
restored server belongs to that user, as the server requires of its data directory."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping

from hotelreviews.backup.errors import BackupError
from hotelreviews.cluster.pg_tools import (
    as_user,
    clean_env,
    client_program,
    find_pg_bin_dir,
    server_user,
    tail,
)


def run_pg_program(
    name: str,
    args: list[str],
    *,
    timeout: float,
    extra_env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program (from the server's bin directory, else PATH)."""
    return run_as_server(
        [client_program(find_pg_bin_dir(), name), *args], timeout=timeout, extra_env=extra_env
    )


def run_as_server(
    argv: list[str], *, timeout: float, extra_env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**clean_env(), **(extra_env or {})}
    try:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd="/",
            env=env,
            stdin=subprocess.DEVNULL,
            **as_user(server_user()),
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{argv[0]} did not finish within {timeout:.0f} s") from None


def extract_tar(archive: str, into: str) -> None:
    """Unpack a (gzip) tar file into an existing directory, as the server's user."""
    tar = shutil.which("tar")
    if tar is None:
        raise BackupError("`tar` is not installed: apt-get install tar")
    result = run_as_server([tar, "-xzf", archive, "-C", into], timeout=3600)
    if result.returncode != 0:
        raise BackupError(
            f"{archive} cannot be unpacked (the file is damaged or truncated):\n"
            f"{tail(result.stderr)}"
        )
