"""The README's shell blocks run as written, in order, on a fresh data directory (issue 13,
item 7): its examples went stale once (401s without credentials, a folder that did not exist,
ids that assumed an empty database); this test keeps them honest.

What it runs: every shell block (```bash or ```sh) of README.md, in order, each in its own
`bash -e` that starts from the variables the blocks before it set (`BASE`, `KEY`…). A
```text block right after a shell block is what that block prints: each of its lines must
appear in the output, in order, where `…` stands for anything. A shell block right after
`<!-- readme-test: skip (reason) -->` is not run (`make test` itself, the cluster); every
other block is.

`make run` is stood in for the way it runs (migrate, demo --ingest, serve with the inbox),
but on a free loopback port, with a smaller demo (HOTELREVIEWS_DEMO_REVIEWS) and without
`make venv` (which would re-install the virtualenv); the blocks get that server as `$BASE`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.pg_server import free_port

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
DEMO_REVIEWS = "2000"
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->")
SHELL = ("bash", "sh")
FENCE = re.compile(r"^```(?P<lang>[a-z]*)\s*$")


@dataclass
class Block:
    line: int  # where the block starts in README.md (1-based), for messages
    code: str
    shows: list[str]  # the lines of the ```text block after it, if any
    skipped: str | None  # the reason, when marked


def readme_blocks(text: str) -> list[Block]:
    """The shell blocks in order, each with the ```text block that follows it."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    pending_skip: str | None = None
    while i < len(lines):
        marker = SKIP.search(lines[i])
        if marker:
            pending_skip = marker.group("reason")
            i += 1
            continue
        fence = FENCE.match(lines[i])
        if not fence or not fence.group("lang"):
            if lines[i].strip():
                pending_skip = None  # a marker applies to the block right after it
            i += 1
            continue
        lang, start = fence.group("lang"), i + 1
        end = start
        while not lines[end].startswith("```"):
            end += 1
        body = lines[start:end]
        if lang in SHELL:
            blocks.append(Block(start, "\n".join(body) + "\n", [], pending_skip))
        elif lang == "text" and blocks and _only_blank_between(lines, blocks[-1], start):
            blocks[-1].shows = body
        pending_skip = None
        i = end + 1
    return blocks


def _only_blank_between(lines: list[str], block: Block, text_start: int) -> bool:
    code_end = block.line + block.code.count("\n")  # the closing fence of the shell block
    return all(not line.strip() for line in lines[code_end + 1 : text_start - 1])


def _appears_in_order(shown: list[str], output: str) -> list[str]:
    """The lines of `shown` not found in `output` (in order; `…` matches anything)."""
    out_lines = output.splitlines()
    missing, at = [], 0
    for expected in shown:
        parts = [part for part in expected.split("…") if part.strip()]
        if not parts:
            continue
        pattern = re.compile(".*".join(re.escape(part) for part in parts))
        for k in range(at, len(out_lines)):
            if pattern.search(out_lines[k]):
                at = k + 1
                break
        else:
            missing.append(expected)
    return missing


@pytest.fixture
def data_dir() -> Iterator[Path]:
    path = Path(os.path.realpath(tempfile.mkdtemp(prefix="hr-readme-")))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _environment(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HOTELREVIEWS_") or key == "HOTELREVIEWS_TEST_BACKENDS"
    }
    venv_bin = str(Path(sys.executable).parent)
    env.update(
        HOTELREVIEWS_DATA_DIR=str(data_dir),
        HOTELREVIEWS_DEMO_REVIEWS=DEMO_REVIEWS,
        PATH=f"{venv_bin}{os.pathsep}{env.get('PATH', '')}",
        # This checkout's code, whichever the virtualenv was installed from.
        PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}",
    )
    return env


@pytest.fixture
def served(data_dir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`make run`'s steps: migrate, demo --ingest, make <data dir>/inbox and serve with it as
    the folder the API may queue from."""
    env = _environment(data_dir)
    cli = [sys.executable, "-m", "hotelreviews"]
    for step in (["migrate", "upgrade"], ["demo", "--ingest"]):
        done = subprocess.run(
            [*cli, *step], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stdout + done.stderr
    (data_dir / "inbox").mkdir()
    port = free_port()
    log = (data_dir / "serve.log").open("w")
    server = subprocess.Popen(
        [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env={**env, "HOTELREVIEWS_WORKER_SOURCES": str(data_dir / "inbox")},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (data_dir / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not get ready in 60 s"
            time.sleep(0.2)
        yield base, {**env, "BASE": base}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_readme_blocks_are_marked_and_skips_are_rare() -> None:
    blocks = readme_blocks(README.read_text())
    assert len([b for b in blocks if b.skipped is None]) >= 6
    skipped = [b for b in blocks if b.skipped is not None]
    assert len(skipped) <= 3, [b.skipped for b in skipped]  # rare, and each says why
    assert all(b.skipped and b.skipped.strip() for b in skipped)
    text = README.read_text()
    # Every command a newcomer copies names the same program, the same way.
    assert ".venv/bin/hotelreviews" not in text


def test_the_readme_blocks_run_in_order_on_a_fresh_data_directory(
    served: tuple[str, dict[str, str]], data_dir: Path
) -> None:
    _, env = served
    state = data_dir / "readme-state.sh"
    state.write_text("")
    ran = 0
    for block in readme_blocks(README.read_text()):
        if block.skipped is not None:
            continue
        # Variables a block sets are exported (set -a) and carried to the next block.
        script = f"set -a\nsource {state}\n{block.code}\nexport -p > {state}.next\n"
        done = subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # interleaved as a terminal shows them
            text=True,
            timeout=120,
        )
        output = done.stdout
        where = f"README.md line {block.line}:\n{block.code}\n--- output:\n{output}"
        assert done.returncode == 0, where
        missing = _appears_in_order(block.shows, output)
        assert not missing, f"{where}\n--- not printed:\n" + "\n".join(missing)
        Path(f"{state}.next").replace(state)
        ran += 1
    assert ran >= 6
