"""The image's command, without an engine: the wheel the image installs, in a fresh venv, run
with the image's ENTRYPOINT, CMD and ENV (read from the Dockerfile, so they cannot drift) as
uid/gid 10001 with a read-only data directory, until /readyz answers 200; then SIGTERM to
PID 1 (tini) stops it cleanly.

Offline, in well under a minute: the wheel is built from a copy of what the Dockerfile
copies (pyproject.toml, README.md, src/) with `pip wheel --no-deps --no-build-isolation
--no-index` (the locked setuptools of the running venv), and installed with `pip install
--no-index --no-deps` into a fresh venv made with no pip and no access to the project's
sources. Its dependencies come from the running venv's site-packages through a .pth file
(the same locked versions the image installs; no registry, no wheelhouse to keep): a plain
path line, so that venv's own .pth files — the editable install of the project among them —
are not processed, and the installed wheel is what `hotelreviews` imports (checked). The
database is a throwaway PostgreSQL, migrated by the image's own `migrate upgrade`; the JWT
secret and database URL come through their *_FILE settings, so nothing needs writing: only
/tmp is writable, as under a read-only root filesystem.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pg_server import PostgresServer, free_port

ROOT = Path(__file__).resolve().parents[2]
UID = GID = 10001
# The python images' PATH, which the Dockerfile's ENV PATH=/opt/venv/bin:$PATH extends.
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
pytestmark = pytest.mark.slow


def runtime_stage(dockerfile: str) -> list[str]:
    """The final stage's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"^\s*#.*\n", "", dockerfile, flags=re.M).replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from:]


def image_spec() -> tuple[dict[str, str], list[str], list[str], str]:
    """(ENV, ENTRYPOINT, CMD, USER) of the image as the Dockerfile sets them."""
    env: dict[str, str] = {"PATH": BASE_PATH}
    entrypoint: list[str] = []
    cmd: list[str] = []
    user = ""
    for line in runtime_stage((ROOT / "Dockerfile").read_text()):
        keyword, _, rest = line.partition(" ")
        if keyword == "ENV":
            for key, value in re.findall(r'(\w+)=("[^"]*"|\S+)', rest):
                value = value.strip('"')
                env[key] = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m[1], ""), value)
        elif keyword == "ENTRYPOINT":
            entrypoint = json.loads(rest)
        elif keyword == "CMD":
            cmd = json.loads(rest)
        elif keyword == "USER":
            user = rest.strip()
    return env, entrypoint, cmd, user


def option(args: list[str], name: str, value: str) -> list[str]:
    """args with the value after `name` replaced."""
    index = args.index(name)
    return [*args[: index + 1], value, *args[index + 2 :]]


def run_as_image_user(argv: list[str], **kwargs) -> subprocess.Popen:
    """argv as uid/gid 10001, no supplementary groups; as is when the suite is not root."""
    if os.geteuid() != 0:
        return subprocess.Popen(argv, **kwargs)
    drop = [
        shutil.which("setpriv") or "/usr/bin/setpriv",
        f"--reuid={UID}",
        f"--regid={GID}",
        "--clear-groups",
        "--",
    ]
    return subprocess.Popen([*drop, *argv], **kwargs)


def interpreter_for(user_check: Path) -> str:
    """A Python 3.11 that uid 10001 can run (the running venv's base may sit under /root,
    which it cannot enter). Probed through a shell, as tini will exec it: a second exec."""
    candidates = [
        os.path.realpath(getattr(sys, "_base_executable", sys.executable)),
        "/usr/bin/python3.11",
        shutil.which("python3.11") or "",
    ]
    check = "import sys; assert sys.version_info[:2] == (3, 11)"
    for candidate in filter(None, candidates):
        probe = run_as_image_user(
            ["/bin/sh", "-c", '"$0" -c "$1"', candidate, check],
            cwd=user_check,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if probe.wait(timeout=30) == 0:
            return candidate
    pytest.fail(f"no Python 3.11 that uid {UID} may run among {candidates}")


@pytest.fixture
def workspace() -> Iterator[Path]:
    """A directory uid 10001 can read (pytest's tmp_path is root's own, mode 0700)."""
    path = Path(tempfile.mkdtemp(prefix="hotelreviews-image-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def build_wheel(workspace: Path) -> Path:
    source = workspace / "source"  # what the Dockerfile's builder stage copies
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    wheels = workspace / "wheels"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--isolated",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            str(wheels),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        "building the wheel failed (the venv needs the locked setuptools: make venv)\n"
        + result.stdout[-3000:]
        + result.stderr[-3000:]
    )
    (wheel,) = wheels.glob("hotelreviews-*.whl")
    return wheel


def fresh_venv(workspace: Path, wheel: Path) -> Path:
    venv = workspace / "venv"
    python = interpreter_for(workspace)
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--isolated",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-index",
            "--no-deps",
            "--no-compile",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # The locked dependencies, from the running venv (a path line: its .pth files stay unread).
    site = Path(
        subprocess.check_output(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            text=True,
        ).strip()
    )
    (site / "zz-locked-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv


def test_image_command_serves_readyz_as_non_root_with_read_only_data(
    workspace: Path, pg_server: PostgresServer
) -> None:
    image_env, entrypoint, cmd, user = image_spec()
    assert user == f"{UID}:{GID}"
    assert entrypoint[:2] == ["tini", "--"], entrypoint
    assert shutil.which("tini"), "tini is missing: scripts/ensure-system-packages.sh installs it"

    venv = fresh_venv(workspace, build_wheel(workspace))

    # The image's data directory, read-only to the image's user; secrets as mounted files.
    data_dir = workspace / "data"
    data_dir.mkdir(mode=0o555)
    secrets = workspace / "secrets"
    secrets.mkdir(mode=0o755)
    url = pg_server.create_database("image_command")
    (secrets / "database-url").write_text(url + "\n")
    (secrets / "jwt-secret").write_text("k" * 16 + os.urandom(24).hex() + "\n")
    for secret in secrets.iterdir():
        give_to_image_user(secret)
        secret.chmod(0o400)

    env = {
        **image_env,
        # The venv where the image has /opt/venv; the data directory where it mounts one.
        "PATH": image_env["PATH"].replace("/opt/venv/bin", str(venv / "bin")),
        "HOTELREVIEWS_DATA_DIR": str(data_dir),
        "HOTELREVIEWS_DATABASE_URL_FILE": str(secrets / "database-url"),
        "HOTELREVIEWS_JWT_SECRET_FILE": str(secrets / "jwt-secret"),
    }
    assert env["HOTELREVIEWS_ENVIRONMENT"] == "production"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    image_tmp = workspace / "tmp"  # the only writable place, as in the image
    image_tmp.mkdir()
    give_to_image_user(image_tmp)
    env["HOME"] = env["TMPDIR"] = str(image_tmp)
    # tini is not PID 1 here: as a subreaper it still reaps orphans as it would (and is quiet).
    env["TINI_SUBREAPER"] = "1"

    def image_command(args: list[str], **kwargs) -> subprocess.Popen:
        return run_as_image_user([*entrypoint, *args], env=env, cwd=image_tmp, text=True, **kwargs)

    # The installed wheel, not the sources, is what runs.
    where = run_as_image_user(
        [str(venv / "bin" / "python"), "-c", "import hotelreviews; print(hotelreviews.__file__)"],
        env=env,
        cwd=image_tmp,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert where.communicate(timeout=30)[0].startswith(str(venv)), "not the installed wheel"

    # One image for every command: worker and backup answer from the installed wheel (migrate
    # and serve run for real below).
    for command in ("worker", "backup"):
        helped = image_command(
            [command, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        output = helped.communicate(timeout=60)[0]
        assert helped.returncode == 0, f"{command} --help:\n{output}"

    migrate = image_command(
        ["migrate", "upgrade"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = migrate.communicate(timeout=60)[0]
    assert migrate.returncode == 0, output

    port = free_port()
    args = option(option(cmd, "--host", "127.0.0.1"), "--port", str(port))
    log = (workspace / "serve.log").open("w+")
    server = image_command(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        status = wait_ready(f"http://127.0.0.1:{port}/readyz", server, deadline=45)
        assert status == 200, read(log)
        server.send_signal(signal.SIGTERM)  # to tini, PID 1 in the image
        # uvicorn shuts down gracefully, then ends by the signal; tini reports 128 + 15.
        assert server.wait(timeout=15) == 128 + signal.SIGTERM, read(log)
        assert "Application shutdown complete" in read(log)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        log.close()
    assert list(data_dir.iterdir()) == []
    assert not any(venv.rglob("__pycache__/*.cpython-311.pyc")), "bytecode written at run time"


def give_to_image_user(path: Path) -> None:
    if os.geteuid() == 0:
        os.chown(path, UID, GID)


def wait_ready(url: str, server: subprocess.Popen, *, deadline: float) -> int | None:
    stop = time.monotonic() + deadline
    status = None
    while time.monotonic() < stop and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            pass
        time.sleep(0.2)
    return status


def read(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-5000:]
