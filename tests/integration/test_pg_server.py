"""The throwaway PostgreSQL helper used by the integration tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.pg_server import (
    PG_BIN_ENV,
    PostgresError,
    PostgresServer,
    find_pg_bin_dir,
    free_port,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def run_child(body: str) -> dict:
    """Run a Python snippet that starts a server; return the JSON it prints last."""
    code = "import json, os, sys\nfrom tests.support.pg_server import PostgresServer\n"
    code += textwrap.dedent(body)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


async def test_start_query_stop() -> None:
    pg = PostgresServer().start()
    try:
        assert pg.port not in (None, 5432)
        assert pg.root_dir is not None and pg.root_dir.is_dir()
        url = pg.create_database("hotelreviews_probe")
        assert url == f"postgresql+asyncpg://postgres@127.0.0.1:{pg.port}/hotelreviews_probe"

        conn = await asyncpg.connect(pg.dsn("hotelreviews_probe"))
        try:
            version = await conn.fetchval("select version()")
            dbname = await conn.fetchval("select current_database()")
        finally:
            await conn.close()
        if not os.environ.get(PG_BIN_ENV):
            assert "PostgreSQL 15" in version
        assert dbname == "hotelreviews_probe"

        engine = create_async_engine(url)
        try:
            async with engine.connect() as sa_conn:
                assert (await sa_conn.execute(text("select 41 + 1"))).scalar_one() == 42
        finally:
            await engine.dispose()

        pg.drop_database("hotelreviews_probe")
        remaining = pg.psql("select count(*) from pg_database where datname = 'hotelreviews_probe'")
        assert remaining.strip() == "0"
    finally:
        pg.stop()

    assert not port_is_open(pg.port)
    assert not pg.root_dir.exists()
    pg.stop()  # idempotent


def test_context_manager_and_two_servers_side_by_side(tmp_path: Path) -> None:
    # tmp_path sits under a root-only directory when running as root: the helper
    # must still find a place its unprivileged user can use.
    with PostgresServer(base_dir=tmp_path) as a, PostgresServer() as b:
        assert a.port != b.port
        assert a.psql("select 1").strip() == "1"
        assert b.psql("select 2").strip() == "2"
        assert a.socket_dir.is_dir()
    assert not port_is_open(a.port) and not port_is_open(b.port)
    assert not a.root_dir.exists() and not b.root_dir.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only meaningful when running as root")
def test_server_runs_unprivileged_when_root() -> None:
    with PostgresServer() as pg:
        assert pg.run_as in ("postgres", "hotelreviews-test")
        pid = int((pg.data_dir / "postmaster.pid").read_text().splitlines()[0])
        uid = int(Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0])
        assert uid != 0


def test_bad_settings_raise_with_log_tail() -> None:
    pg = PostgresServer(settings={"shared_buffers": "not-a-size"})
    with pytest.raises(PostgresError, match="shared_buffers"):
        pg.start()
    assert not pg.running
    assert pg.root_dir is not None and not pg.root_dir.exists()


def test_invalid_database_name_rejected() -> None:
    with PostgresServer() as pg, pytest.raises(ValueError):
        pg.create_database('x"; drop database postgres; --')


def test_server_stopped_at_interpreter_exit() -> None:
    info = run_child(
        """
        pg = PostgresServer().start()
        print(json.dumps({"port": pg.port, "dir": str(pg.root_dir)}))
        sys.exit(0)  # no stop(): atexit must do it
        """
    )
    assert not port_is_open(info["port"])
    assert not Path(info["dir"]).exists()


def test_leftover_of_crashed_process_is_reaped() -> None:
    info = run_child(
        """
        pg = PostgresServer().start()
        print(json.dumps({"port": pg.port, "dir": str(pg.root_dir)}), flush=True)
        os._exit(0)  # simulate a hard crash: no atexit
        """
    )
    assert port_is_open(info["port"]), "the crashed child's server should still be up"
    with PostgresServer():  # starting any server reaps dead owners' leftovers
        pass
    assert not port_is_open(info["port"])
    assert not Path(info["dir"]).exists()


def test_bin_dir_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = find_pg_bin_dir()
    monkeypatch.setenv(PG_BIN_ENV, str(real))
    assert find_pg_bin_dir() == real
    monkeypatch.setenv(PG_BIN_ENV, str(tmp_path))
    with pytest.raises(PostgresError, match=PG_BIN_ENV):
        find_pg_bin_dir()


async def test_create_database_from_busy_template() -> None:
    with PostgresServer() as pg:
        pg.create_database("tmpl")
        pg.psql("create table t (x int); insert into t values (7)", "tmpl")
        busy = await asyncpg.connect(pg.dsn("tmpl"))  # blocks a plain TEMPLATE copy
        try:
            url = pg.create_database("copy1", template="tmpl")
        finally:
            busy.terminate()
        assert url.endswith("/copy1")
        assert pg.psql("select x from t", "copy1").strip() == "7"
