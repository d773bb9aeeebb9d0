"""`hotelreviews dr rds --help` and its commands' help, as a user reads them on an 80-column
terminal: whole snapshots (a change to the wording or layout is made here deliberately), no
line wider than 80 columns, no type label beside a parameter (test_issue13_03_cli_help.py),
and `dr rds` listed where `dr` lists its commands.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

COLUMNS = 80
TYPE_LABELS = ("<bool>", "<str>", "<int>", "<float>", "<list[", "<int range>", "<path>", "x>=")


def _help(*command: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")}
    for name in ("TERMINAL_WIDTH", "FORCE_COLOR", "FORCE_TERMINAL", "PY_COLORS"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "hotelreviews", *command, "--help"],
        env={**env, "COLUMNS": str(COLUMNS)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return "\n".join(line.rstrip() for line in done.stdout.splitlines())


@pytest.mark.parametrize("command", ["", "status", "promote", "repoint"])
def test_dr_rds_help_is_as_written(command: str) -> None:
    text = _help("dr", "rds", *filter(None, [command]))

    assert text == HELP[command]
    assert [line for line in text.splitlines() if len(line) > COLUMNS] == []
    assert [label for label in TYPE_LABELS if label in text] == []


def test_dr_lists_rds() -> None:
    text = _help("dr")

    assert "drills; on Amazon\n RDS, dr rds." in text
    assert "│ rds         Disaster recovery on Amazon RDS: a primary instance and" in text


HELP = {
    "": """
 Usage: python -m hotelreviews dr rds [OPTIONS] COMMAND [ARGS]...

 Disaster recovery on Amazon RDS: a primary instance and cross-region read
 replicas, the writer's address in an SSM parameter or a Secrets Manager secret
 (HOTELREVIEWS_WRITER_ENDPOINT_STORE) that the API and the worker re-read
 (docs/operations.md, AWS runbooks).

╭─ Options ────────────────────────────────────────────────────────────────────╮
│ --help          Show this message and exit.                                  │
╰──────────────────────────────────────────────────────────────────────────────╯
╭─ Commands ───────────────────────────────────────────────────────────────────╮
│ status   Every region's instance: role, status, endpoint, whom it follows,   │
│          replica lag (CloudWatch ReplicaLag, '-' when there is no datapoint) │
│          and its copy of the writer's address. Exit code 1 unless there is   │
│          one primary, the others replicate it and every region's copy names  │
│          it.                                                                 │
│ promote  Promote REGION's read replica to a standalone primary, wait until   │
│          RDS reports it available, then point every region's copy of the     │
│          writer's address at it. The other replicas keep following the old   │
│          primary: rebuild them (docs/operations.md).                         │
│ repoint  Point every region's copy of the writer's address at REGION's       │
│          primary (after a promotion whose re-pointing failed, or to move the │
│          apps back).                                                         │
╰──────────────────────────────────────────────────────────────────────────────╯
""",
    "status": """
 Usage: python -m hotelreviews dr rds status [OPTIONS]

 Every region's instance: role, status, endpoint, whom it follows, replica lag
 (CloudWatch ReplicaLag, '-' when there is no datapoint) and its copy of the
 writer's address. Exit code 1 unless there is one primary, the others
 replicate it and every region's copy names it.

╭─ Options ────────────────────────────────────────────────────────────────────╮
│ --json          One JSON document on stdout.                                 │
│ --help          Show this message and exit.                                  │
╰──────────────────────────────────────────────────────────────────────────────╯
""",
    "promote": """
 Usage: python -m hotelreviews dr rds promote [OPTIONS] {REGION}

 Promote REGION's read replica to a standalone primary, wait until RDS reports
 it available, then point every region's copy of the writer's address at it.
 The other replicas keep following the old primary: rebuild them
 (docs/operations.md).

╭─ Arguments ──────────────────────────────────────────────────────────────────╮
│ *    REGION        One of HOTELREVIEWS_RDS_REGIONS (by default us-east-1,    │
│                    eu-west-1, ap-southeast-1).                               │
│                    [required]                                                │
╰──────────────────────────────────────────────────────────────────────────────╯
╭─ Options ────────────────────────────────────────────────────────────────────╮
│ --timeout        SECONDS  How long to wait for the promotion, at least 1.    │
│                           [default: 3600.0]                                  │
│ --poll           SECONDS  Time between status checks while waiting.          │
│                           [default: 15.0]                                    │
│ --help                    Show this message and exit.                        │
╰──────────────────────────────────────────────────────────────────────────────╯
""",
    "repoint": """
 Usage: python -m hotelreviews dr rds repoint [OPTIONS] {REGION}

 Point every region's copy of the writer's address at REGION's primary (after a
 promotion whose re-pointing failed, or to move the apps back).

╭─ Arguments ──────────────────────────────────────────────────────────────────╮
│ *    REGION        One of HOTELREVIEWS_RDS_REGIONS (by default us-east-1,    │
│                    eu-west-1, ap-southeast-1).                               │
│                    [required]                                                │
╰──────────────────────────────────────────────────────────────────────────────╯
╭─ Options ────────────────────────────────────────────────────────────────────╮
│ --help          Show this message and exit.                                  │
╰──────────────────────────────────────────────────────────────────────────────╯
""",
}
