"""Finding PostgreSQL's server programs and running them as an unprivileged user.

PostgreSQL refuses to run as root. When we are root, initdb, pg_ctl, pg_basebackup, pg_rewind
and the server itself run as the `postgres` system user if there is one, else as
`hotelreviews-pg` (created on demand). Clients (psql, asyncpg) connect over TCP and may run as
anyone.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

PG_BIN_ENV = "HOTELREVIEWS_PG_BIN"
LEGACY_PG_BIN_ENV = "HOTELREVIEWS_TEST_PG_BIN"
PREFERRED_MAJOR = 15
SERVER_USERS = ("postgres", "hotelreviews-pg")
_SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")

INSTALL_HINT = (
    "PostgreSQL 15 server programs (initdb, pg_ctl, postgres) were not found.\n"
    "  Debian/Ubuntu: apt-get install postgresql-15   (or run scripts/ensure-system-packages.sh)\n"
    f"  or point {PG_BIN_ENV} at a directory containing them."
)


class PostgresError(RuntimeError):
    """A PostgreSQL server could not be set up, started, stopped or queried."""


class PostgresNotFoundError(PostgresError):
    """No PostgreSQL server programs were found."""


def _has_server_binaries(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in _SERVER_BINARIES)


_versions: dict[Path, int] = {}


def pg_major_version(bin_dir: Path) -> int:
    """Major version of the `postgres` program in `bin_dir` (e.g. 15)."""
    bin_dir = Path(bin_dir)
    if bin_dir not in _versions:
        out = subprocess.run(
            [str(bin_dir / "postgres"), "--version"],
            capture_output=True,
            text=True,
            check=True,
            env=clean_env(),
        ).stdout
        match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
        if not match:
            raise PostgresError(f"cannot read the PostgreSQL version from {out!r}")
        _versions[bin_dir] = int(match.group(1))
    return _versions[bin_dir]


def find_pg_bin_dir() -> Path:
    """The directory holding initdb, pg_ctl and postgres.

    `$HOTELREVIEWS_PG_BIN` (or the tests' older `$HOTELREVIEWS_TEST_PG_BIN`) wins; otherwise,
    among the directory of `initdb` on PATH and Debian's /usr/lib/postgresql/*/bin, a
    version-15 one if any, else the PATH one, else the highest version.
    """
    for variable in (PG_BIN_ENV, LEGACY_PG_BIN_ENV):
        override = os.environ.get(variable)
        if override:
            path = Path(override).expanduser().resolve()
            if not _has_server_binaries(path):
                raise PostgresNotFoundError(
                    f"{variable}={override} does not contain {', '.join(_SERVER_BINARIES)}"
                )
            return path
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path and _has_server_binaries(Path(on_path).resolve().parent):
        candidates.append(Path(on_path).resolve().parent)
    debian = sorted(
        (
            (int(entry.parent.name), entry.resolve())
            for entry in Path("/usr/lib/postgresql").glob("*/bin")
            if entry.parent.name.isdigit() and _has_server_binaries(entry)
        ),
        reverse=True,
    )
    candidates += [path for _, path in debian if path not in candidates]
    if not candidates:
        raise PostgresNotFoundError(INSTALL_HINT)
    for candidate in candidates:
        with contextlib.suppress(Exception):
            if pg_major_version(candidate) == PREFERRED_MAJOR:
                return candidate
    return candidates[0]


def client_program(bin_dir: Path, name: str) -> str:
    """psql, pg_basebackup…: from `bin_dir` if there, else from PATH."""
    local = Path(bin_dir) / name
    if os.access(local, os.X_OK):
        return str(local)
    found = shutil.which(name)
    if not found:
        raise PostgresNotFoundError(f"PostgreSQL program {name!r} not found (in {bin_dir} or PATH)")
    return found


def clean_env(home: str | None = None) -> dict[str, str]:
    """Our environment without PG* variables (PGHOST, PGPORT, PGDATA… would redirect tools)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    env.pop("LANGUAGE", None)
    if home is not None:
        env["HOME"] = home
    return env


_user_lock = threading.Lock()


def server_user() -> pwd.struct_passwd | None:
    """The user PostgreSQL runs as when we are root (created if need be); None otherwise."""
    if os.geteuid() != 0:
        return None
    with _user_lock:
        for name in SERVER_USERS:
            with contextlib.suppress(KeyError):
                return pwd.getpwnam(name)
        fallback = SERVER_USERS[-1]
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        result = subprocess.run(
            [
                useradd,
                "--system",
                "--no-create-home",
                "--user-group",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                fallback,
            ],
            capture_output=True,
            text=True,
        )
        try:  # another process may have created it first
            return pwd.getpwnam(fallback)
        except KeyError:
            raise PostgresError(
                f"running as root and could not create the user {fallback!r} to run "
                f"PostgreSQL: {result.stderr.strip()}"
            ) from None


def as_user(user: pwd.struct_passwd | None) -> dict[str, Any]:
    """subprocess keyword arguments that run a program as `user` (nothing when None)."""
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def traversable_by(path: Path, uid: int) -> bool:
    """Can `uid` reach entries inside `path` (search permission on it and every parent)?"""
    for part in [path, *path.parents]:
        st = part.stat()
        if st.st_uid == uid:
            if not st.st_mode & 0o100:
                return False
        elif not st.st_mode & 0o001:
            return False
    return True


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def pid_alive(pid: int) -> bool:
    """Running (a zombie, exited and waiting to be reaped, is not)."""
    if not pid_exists(pid):
        return False
    # A zombie is not alive: it has exited and waits for its parent to read its status.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def pid_exists(pid: int) -> bool:
    """In the process table (a zombie too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def children_of(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(child) for child in text.split()]
    return []
