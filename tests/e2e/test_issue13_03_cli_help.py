"""Issue 13, item 3: every `--help` showed Typer's type labels beside each parameter
(`<bool>`, `<list[str]>`, `<int range> [x>=1]`, `<path>`). Help now reads like a conventional
CLI: flags bare, options that take a value with a NAME placeholder, ranges and defaults in words.

The command runs as a user runs it, with a fixed terminal width so the layout is stable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hotelreviews.core.settings import Settings
from tests.support.cli import run_cli

TYPE_LABELS = (
    "<bool>",
    "<str>",
    "<int>",
    "<float>",
    "<list[",
    "<int range>",
    "<path>",
    "x>=",
    "<=x",
)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("COLUMNS", "100")  # run_cli passes our environment on
    for name in ("TERMINAL_WIDTH", "FORCE_COLOR", "FORCE_TERMINAL", "PY_COLORS"):
        monkeypatch.delenv(name, raising=False)
    return Settings(environment="test", data_dir=tmp_path / "data")


def _help(settings: Settings, *command: str) -> str:
    done = run_cli(settings, *command, "--help", text=True)
    assert done.returncode == 0, done.stderr
    return "\n".join(line.rstrip() for line in done.stdout.splitlines())


@pytest.mark.parametrize(
    "command",
    [
        (),
        ("ingest",),
        ("worker",),
        ("serve",),
        ("demo",),
        ("migrate",),
        ("migrate", "upgrade"),
        ("users", "create"),
        ("keys", "create"),
        ("dr", "failover"),
        ("backup", "list"),
    ],
    ids=" ".join,
)
def test_no_help_shows_a_type_label_beside_a_parameter(
    settings: Settings, command: tuple[str, ...]
) -> None:
    text = _help(settings, *command)
    assert "Usage:" in text
    assert [label for label in TYPE_LABELS if label in text] == []


def test_worker_help_reads_like_a_conventional_cli(settings: Settings) -> None:
    assert _help(settings, "worker") == WORKER_HELP


def test_serve_help_gives_ranges_and_defaults_in_words(settings: Settings) -> None:
    assert _help(settings, "serve") == SERVE_HELP


def test_ingest_help_shows_its_flags_bare(settings: Settings) -> None:
    text = _help(settings, "ingest")
    assert "│ --force          Process files again even if already ingested." in text
    assert "│ --json           Print a machine-readable summary on stdout." in text
    assert "PATH_OR_URI...        Files, directories" in text


def test_keys_create_help_names_the_value_and_the_range_in_words(settings: Settings) -> None:
    text = _help(settings, "keys", "create")
    assert "--expires-in-days          DAYS  Expire after this many days, 1 to 3650." in text
    assert "ROLE" in text


WORKER_HELP = """
 Usage: python -m hotelreviews worker [OPTIONS]

 Run queued ingestions and poll the configured sources for new files.

╭─ Options ────────────────────────────────────────────────────────────────────────────────────────╮
│ --once          Poll the sources once, work until no ingestion is queued, running or waiting for │
│                 a retry, then exit.                                                              │
│ --help          Show this message and exit.                                                      │
╰──────────────────────────────────────────────────────────────────────────────────────────────────╯
"""

SERVE_HELP = """
 Usage: python -m hotelreviews serve [OPTIONS]

 Serve the HTTP API.

╭─ Options ────────────────────────────────────────────────────────────────────────────────────────╮
│ --host           HOST     Interface to listen on. [default: 127.0.0.1]                           │
│ --port           PORT     TCP port, 1 to 65535. [default: 8000]                                  │
│ --workers        WORKERS  Worker processes, 1 to 64. [default: 1]                                │
│ --help                    Show this message and exit.                                            │
╰──────────────────────────────────────────────────────────────────────────────────────────────────╯
"""
