"""Issue 13, item 8: what a newcomer reads. `make run` printed 144 `ingesting …` lines, said
"database schema upgraded to head" when nothing changed, wrapped its demo summary and progress
bar in 80 columns; a 401 problem was titled only "Unauthorized"; `users create` with a piped
password printed a GetPassWarning with its source line; `make help` named two of the four
system packages `make test` installs."""

from __future__ import annotations

import errno
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotelreviews.core.settings import Settings
from tests.support.api_client import api_client
from tests.support.cli import run_cli

REPO = Path(__file__).resolve().parents[2]
DEMO_REVIEWS = "2000"  # 144 files all the same (one per feed and month), in a few seconds
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def short_data_dir() -> Iterator[Path]:
    """A data directory with a short path: the demo prints it, and pytest's tmp_path alone
    would pass 80 columns."""
    path = Path(tempfile.mkdtemp(prefix="hr-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "HOTELREVIEWS_DATA_DIR": str(data_dir), **extra}
    env.pop("HOTELREVIEWS_DATABASE_URL", None)
    env.pop("HOTELREVIEWS_REDIS_URL", None)
    return env


def _on_a_terminal(args: list[str], env: dict[str, str], columns: int = 80) -> str:
    """Run `python -m hotelreviews ARGS` on a pseudo-terminal `columns` wide; its output."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "hotelreviews", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**env, "COLUMNS": str(columns), "TERM": "xterm-256color"},
        close_fds=True,
    )
    os.close(follower)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 120)
            if not ready:
                raise AssertionError("no output for 120 s")
            try:
                chunk = os.read(leader, 65536)
            except OSError as error:  # EIO: the terminal's other end closed
                if error.errno != errno.EIO:
                    raise
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        assert process.wait(timeout=60) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


def _screen_lines(output: str) -> list[str]:
    """Every line as drawn: escape sequences dropped, split at carriage returns too."""
    return [line for line in re.split(r"[\r\n]", ANSI.sub("", output)) if line.strip()]


def test_demo_ingest_without_a_terminal_prints_a_summary_not_a_line_per_file(
    short_data_dir: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hotelreviews", "demo", "--ingest", "--reviews", DEMO_REVIEWS],
        env=_env(short_data_dir),
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert done.returncode == 0, done.stderr
    lines = (done.stdout + done.stderr).splitlines()
    assert "144 files: 144 ingested, 0 skipped, 0 failed" in done.stdout
    assert not [line for line in lines if line.startswith("ingesting tests")]
    assert sum("ingesting" in line for line in lines) <= 3  # one every 5 s at most
    assert len(lines) < 30, lines


def test_demo_ingest_on_a_terminal_is_one_progress_line_and_nothing_wraps_at_80_columns(
    short_data_dir: Path,
) -> None:
    output = _on_a_terminal(
        ["demo", "--ingest", "--reviews", DEMO_REVIEWS], _env(short_data_dir), columns=80
    )

    shown = _screen_lines(output)
    progress = [line for line in shown if re.match(r"file \d+ ", line)]
    assert progress, shown  # Rich's display, redrawn in place
    assert "\x1b[2K" in output  # ... erasing its line: one line, not one per file
    assert not [line for line in shown if line.startswith("ingesting ")]
    wide = [line for line in shown if len(line) > 80]
    assert not wide, wide
    # The summaries' lines are whole phrases: none starts with what wrapped off another.
    assert any(line.startswith("lines ") and "distinct reviews" in line for line in shown)
    assert any(line.startswith("reviews new ") for line in shown)


def test_serve_banner_fits_in_80_columns() -> None:
    source = (REPO / "src/hotelreviews/cli/serve_cmd.py").read_text()
    base = "http://127.0.0.1:8000"
    for template in re.findall(r'typer\.echo\(f"([^"]*\{base\}[^"]*)"\)', source):
        assert len(template.replace("{base}", base)) <= 80, template


def test_migrate_says_upgraded_only_when_the_revision_changed(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path / "data")

    first = run_cli(settings, "migrate", text=True)
    again = run_cli(settings, "migrate", "upgrade", text=True)

    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert "upgraded" in first.stdout
    assert "upgraded" not in again.stdout
    assert re.search(r"already at head \(revision \w+\)", again.stdout), again.stdout


async def test_a_401_problem_says_what_is_wrong_in_its_title(settings: Settings) -> None:
    async with api_client(settings) as client:
        anonymous = await client.get("/api/v1/ingestions")
        bad_key = await client.get("/api/v1/ingestions", headers={"X-API-Key": "hr_nonsense"})
        bad_token = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer x.y.z"})

    assert anonymous.status_code == 401
    assert anonymous.json()["title"] == "Authentication required"
    assert bad_key.json()["title"] == "Invalid API key"
    assert bad_token.json()["title"] == "Invalid access token"
    for response in (anonymous, bad_key, bad_token):
        assert response.json()["title"] not in ("Error", "Unauthorized")


def test_users_create_with_a_piped_password_prints_no_getpass_warning(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path / "data")
    assert run_cli(settings, "migrate").returncode == 0

    done = run_cli(
        settings, "users", "create", "ada", "-r", "analyst", stdin="a long enough pass\n", text=True
    )

    assert done.returncode == 0, done.stderr
    assert "GetPassWarning" not in done.stderr and "getpass" not in done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("user ada created")


def _packages_the_script_installs() -> set[str]:
    """Read from the script itself, whichever way it spells them."""
    script = (REPO / "scripts/ensure-system-packages.sh").read_text()
    names = set(re.findall(r"missing\+=\(([a-z0-9.-]+)\)", script))
    for array in re.findall(r"^[A-Z_]*PACKAGES=\(([^)]*)\)", script, flags=re.MULTILINE):
        names.update(array.split())
    assert {"postgresql-15", "redis-server"} <= names
    return names


def test_make_help_names_every_system_package_the_script_installs() -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    missing = {name for name in _packages_the_script_installs() if name not in done.stdout}
    assert not missing, done.stdout
    wide = [line for line in done.stdout.splitlines() if len(line) > 80]
    assert not wide, wide


def test_make_help_takes_its_package_list_from_the_script_not_a_copy() -> None:
    makefile = (REPO / "Makefile").read_text()
    help_recipe = makefile[makefile.index("\nhelp:") : makefile.index("\nvenv:")]
    assert "ensure-system-packages.sh --list" in help_recipe
