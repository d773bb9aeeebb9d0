"""`hotelreviews dr rds`: status, promotion and writer re-pointing against moto's server
(RDS, CloudWatch, SSM and Secrets Manager over real HTTP on 127.0.0.1; never AWS). Every test
touching the writer endpoint store runs with each of its backends (an SSM parameter, a Secrets
Manager secret)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from hotelreviews.cli.main import app
from hotelreviews.core import migrations
from hotelreviews.core.settings import Settings, get_settings
from hotelreviews.dr.rds import writer_store
from hotelreviews.dr.rds.aws import RdsError
from hotelreviews.dr.rds.instances import describe
from hotelreviews.dr.rds.operations import repoint
from hotelreviews.dr.rds.writer_follow import endpoint_of as endpoint_in_url
from hotelreviews.dr.rds.writer_follow import with_endpoint
from hotelreviews.security.tables import api_keys
from tests.support.api_client import api_client, api_key_headers
from tests.support.aws_server import AwsServer, aws_server_fixture  # noqa: F401
from tests.support.pg_server import PostgresServer
from tests.support.writer_stores import (  # noqa: F401
    held_in_aws,
    second_pg_server_fixture,
    store_fixture,
    store_settings,
)

PRIMARY, EUROPE, ASIA = "us-east-1", "eu-west-1", "ap-southeast-1"


@pytest.fixture(name="identifier")
def identifier_fixture() -> str:
    """A fresh instance name per test: the moto server is shared by the module."""
    return f"hr-{uuid.uuid4().hex[:10]}"


@pytest.fixture(name="rds_env")
def rds_env_fixture(
    aws_server: AwsServer, identifier: str, store: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The CLI's settings, from the environment as in production."""
    stored = {
        f"HOTELREVIEWS_{name.upper()}": value
        for name, value in store_settings(store, identifier).items()
    }
    for name, value in {
        "HOTELREVIEWS_ENVIRONMENT": "test",
        "HOTELREVIEWS_AWS_ENDPOINT_URL": aws_server.endpoint_url,
        "HOTELREVIEWS_RDS_REGIONS": f"{PRIMARY},{EUROPE},{ASIA}",
        "HOTELREVIEWS_RDS_INSTANCE_IDENTIFIER": identifier,
        **stored,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def create_primary(aws: AwsServer, identifier: str, region: str = PRIMARY) -> dict[str, Any]:
    return aws.aws_client("rds", region).create_db_instance(
        DBInstanceIdentifier=identifier,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="hotelreviews",
        MasterUserPassword="not-a-secret",
    )["DBInstance"]


def create_replica(aws: AwsServer, identifier: str, source_arn: str, region: str) -> None:
    # Cross-region: the source is named by its ARN, as RDS requires.
    aws.aws_client("rds", region).create_db_instance_read_replica(
        DBInstanceIdentifier=identifier,
        SourceDBInstanceIdentifier=source_arn,
        DBInstanceClass="db.t3.micro",
    )


def endpoint_of(described: dict[str, Any]) -> str:
    return f"{described['Endpoint']['Address']}:{described['Endpoint']['Port']}"


@pytest.fixture(name="deployment")
def deployment_fixture(aws_server: AwsServer, rds_env: Settings, identifier: str) -> str:
    """A primary in us-east-1, replicas in eu-west-1 and ap-southeast-1, the writer endpoint
    store naming the primary in every region; the primary's endpoint."""
    primary = create_primary(aws_server, identifier)
    for region in (EUROPE, ASIA):
        create_replica(aws_server, identifier, primary["DBInstanceArn"], region)
    for region in rds_env.rds_regions:
        writer_store.write(region, endpoint_of(primary), settings=rds_env)
    return endpoint_of(primary)


def run(*arguments: str) -> Any:
    return CliRunner().invoke(app, ["dr", "rds", *arguments])


def test_status_reports_every_region_lag_and_writer(
    aws_server: AwsServer, deployment: str, identifier: str
) -> None:
    # CloudWatch has a ReplicaLag datapoint for Europe's replica, none yet for Asia's.
    aws_server.aws_client("cloudwatch", EUROPE).put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": "ReplicaLag",
                "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": identifier}],
                "Value": 2.5,
                "Unit": "Seconds",
                # Published for the last minute (moto leaves out the current second).
                "Timestamp": datetime.now(UTC) - timedelta(seconds=30),
            }
        ],
    )

    result = run("status", "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True
    by_region = {row["region"]: row for row in report["regions"]}
    assert by_region[PRIMARY]["instance"]["role"] == "primary"
    assert by_region[EUROPE]["instance"]["role"] == "replica"
    assert by_region[EUROPE]["instance"]["source_region"] == PRIMARY
    assert by_region[EUROPE]["lag_seconds"] == 2.5
    assert by_region[ASIA]["lag_seconds"] is None  # no datapoint: unknown, not zero
    assert all(row["writer_endpoint"] == deployment for row in report["regions"])

    table = run("status")
    assert table.exit_code == 0, table.output
    assert "2.5" in table.output and identifier in table.output


def test_promote_makes_the_replica_standalone_and_repoints_the_writer(
    aws_server: AwsServer, deployment: str, rds_env: Settings, store: str, identifier: str
) -> None:
    result = run("promote", EUROPE, "--poll", "0.1", "--timeout", "30")

    assert result.exit_code == 0, result.output
    promoted = describe(EUROPE, settings=rds_env)
    assert promoted is not None and promoted.role == "primary" and promoted.source is None
    assert promoted.endpoint != deployment
    other_store = next(other for other in ("ssm", "secretsmanager") if other != store)
    for region in rds_env.rds_regions:
        # In the chosen AWS service itself, and nowhere else.
        assert held_in_aws(aws_server, store, identifier, region) == promoted.endpoint
        assert held_in_aws(aws_server, other_store, identifier, region) is None
    assert f"{EUROPE} is a primary after" in result.output
    assert f"{EUROPE} promoted in" in result.output
    assert "re-pointed in 3 of 3 regions" in result.output
    # Two primaries now (the old one still runs), Asia still follows it: not whole.
    after = run("status", "--json")
    assert after.exit_code == 1
    roles = {row["region"]: row["instance"]["role"] for row in json.loads(after.output)["regions"]}
    assert roles == {PRIMARY: "primary", EUROPE: "primary", ASIA: "replica"}


def test_promoting_a_primary_is_refused(deployment: str) -> None:
    first = run("promote", EUROPE, "--poll", "0.1")
    assert first.exit_code == 0, first.output

    again = run("promote", EUROPE)
    assert again.exit_code == 1
    assert "already a primary" in again.output
    assert f"dr rds repoint {EUROPE}" in again.output
    old_primary = run("promote", PRIMARY)
    assert old_primary.exit_code == 1 and "already a primary" in old_primary.output


def test_promote_without_a_replica_in_the_region(rds_env: Settings, aws_server, identifier) -> None:
    create_primary(aws_server, identifier)

    missing = run("promote", EUROPE)
    assert missing.exit_code == 1
    assert f"no RDS instance {identifier} in {EUROPE}" in missing.output
    unknown = run("promote", "sa-east-1")
    assert unknown.exit_code == 1
    assert "sa-east-1 is not one of the database's regions" in unknown.output


def test_repoint_moves_the_writer_back_and_refuses_a_replica(
    deployment: str, rds_env: Settings
) -> None:
    assert run("promote", EUROPE, "--poll", "0.1").exit_code == 0

    back = run("repoint", PRIMARY)
    assert back.exit_code == 0, back.output
    for region in rds_env.rds_regions:
        assert writer_store.read(region, settings=rds_env) == deployment

    replica = run("repoint", ASIA)
    assert replica.exit_code == 1
    assert "is a read replica" in replica.output and f"dr rds promote {ASIA}" in replica.output


def test_a_region_that_cannot_be_written_does_not_stop_the_others(
    deployment: str, rds_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write = writer_store.write

    def asia_is_lost(region: str, endpoint: str, *, settings: Settings) -> None:
        if region == ASIA:
            raise RdsError(f"writing the writer's address in {region}: cannot reach AWS")
        write(region, endpoint, settings=settings)

    monkeypatch.setattr(writer_store, "write", asia_is_lost)
    result = run("promote", EUROPE, "--poll", "0.1")

    assert result.exit_code == 0, result.output
    assert f"{ASIA}: NOT re-pointed" in result.output
    assert f"re-pointed in 2 of 3 regions (not in {ASIA})" in result.output
    promoted = describe(EUROPE, settings=rds_env)
    assert promoted is not None
    assert writer_store.read(PRIMARY, settings=rds_env) == promoted.endpoint
    assert writer_store.read(ASIA, settings=rds_env) == deployment

    monkeypatch.setattr(
        writer_store, "write", lambda *_, **__: asia_is_lost(ASIA, "", settings=rds_env)
    )
    nowhere = run("repoint", EUROPE)
    assert nowhere.exit_code == 1
    assert "could not be written in any region" in nowhere.output


def test_repoint_refuses_an_instance_without_endpoint(
    rds_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from hotelreviews.dr.rds import operations

    # moto gives every instance an endpoint at once; RDS does only once it is created.
    def creating(region: str, *, settings: Settings) -> Any:
        return replace(_fake_instance(region), endpoint=None, status="creating")

    monkeypatch.setattr(operations, "require", creating)
    with pytest.raises(RdsError, match="has no endpoint yet"):
        repoint(EUROPE, settings=rds_env, say=lambda _: None)


def _fake_instance(region: str) -> Any:
    from hotelreviews.dr.rds.instances import RdsInstance

    return RdsInstance(region, "hr", f"arn:aws:rds:{region}:1:db:hr", "available", "h:5432", None)


def test_no_endpoint_no_aws_in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTELREVIEWS_ENVIRONMENT", "test")
    monkeypatch.delenv("HOTELREVIEWS_AWS_ENDPOINT_URL", raising=False)
    get_settings.cache_clear()
    try:
        result = run("status")
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 1
    assert "HOTELREVIEWS_AWS_ENDPOINT_URL is not set" in result.output


# ---- the API follows a re-pointed writer, without a restart ---------------------------------


async def count_api_keys(url: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(sa.select(sa.func.count()).select_from(api_keys)))
    finally:
        await engine.dispose()


async def migrated_database(server: PostgresServer, name: str) -> str:
    """A new database `name` on `server`, migrated to head; its URL."""
    url = server.create_database(name)
    # Alembic runs its own event loop: in a thread.
    await asyncio.to_thread(migrations.upgrade, Settings(environment="test", database_url=url))
    return url


def following_api_settings(
    aws_server: AwsServer, store: str, identifier: str, data_dir: Path, writer: str
) -> Settings:
    """An API in eu-west-1 configured with `writer`, following the writer store (`store`,
    in moto) every 0.1 s; no response cache, so every request reaches the database."""
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=writer,
        cache_enabled=False,
        region=EUROPE,
        aws_endpoint_url=aws_server.endpoint_url,
        rds_regions=[PRIMARY, EUROPE],
        writer_endpoint_poll_seconds=0.1,
        **store_settings(store, identifier),
    )


async def test_the_api_follows_a_repointed_writer_without_restart(
    aws_server: AwsServer,
    pg_server: PostgresServer,
    pg_template: str,
    second_pg_server: PostgresServer,
    identifier: str,
    store: str,
    tmp_path: Path,
) -> None:
    name = f"follow_{uuid.uuid4().hex[:10]}"
    old_writer = pg_server.create_database(name, template=pg_template)
    new_writer = await migrated_database(second_pg_server, name)
    settings = following_api_settings(aws_server, store, identifier, tmp_path, old_writer)
    writer_store.write(EUROPE, endpoint_in_url(old_writer), settings=settings)

    async with api_client(settings) as client:
        app: Any = client._transport.app  # type: ignore[attr-defined]
        router = app.state.router
        # A write transaction in flight on the old writer while the parameter moves.
        async with router.primary.engine.begin() as in_flight:
            await in_flight.execute(sa.select(1))  # its connection is checked out
            await asyncio.to_thread(
                writer_store.write, EUROPE, endpoint_in_url(new_writer), settings=settings
            )
            await wait_for(lambda: router.primary.name.startswith(endpoint_in_url(new_writer)))
            await in_flight.execute(
                sa.insert(api_keys).values(
                    prefix="inflight",
                    key_hash="0" * 64,
                    name="in flight",
                    roles="",
                    created_at=datetime.now(UTC),
                )
            )
        assert await count_api_keys(old_writer) == 1  # committed where it began

        # New writes go to the new writer; requests authenticate against it.
        headers = await api_key_headers(client, "admin")
        assert await count_api_keys(new_writer) == 1
        me = await client.get("/api/v1/auth/me", headers=headers)
        assert me.status_code == 200, me.text
        # Readiness asks the new writer: with the old one's database gone it still answers.
        await asyncio.to_thread(pg_server.drop_database, name)
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text


async def test_the_api_started_after_the_move_opens_the_writer_the_store_names(
    aws_server: AwsServer,
    pg_server: PostgresServer,
    second_pg_server: PostgresServer,
    identifier: str,
    store: str,
    tmp_path: Path,
) -> None:
    """Its configured URL names the old writer, which is gone (a pod rescheduled after
    `dr rds promote`): it starts, and serves, on the new one."""
    name = f"start_{uuid.uuid4().hex[:10]}"
    new_writer = await migrated_database(second_pg_server, name)
    gone = pg_server.url(name)  # no such database there
    settings = following_api_settings(aws_server, store, identifier, tmp_path, gone)
    writer_store.write(EUROPE, endpoint_in_url(new_writer), settings=settings)

    async with api_client(settings) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        await api_key_headers(client, "admin")
        assert await count_api_keys(new_writer) == 1


async def test_a_store_that_cannot_be_read_at_start_keeps_the_configured_writer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hotelreviews.dr.rds import writer_follow

    def unreachable(region: str, *, settings: Settings) -> str | None:
        raise RdsError("cannot reach AWS")

    monkeypatch.setattr(writer_follow.writer_store, "read", unreachable)
    settings = Settings(
        environment="test",
        database_url="postgresql+asyncpg://app:pw@h1.example:5432/reviews",
        aws_endpoint_url="http://127.0.0.1:9",
        writer_endpoint_poll_seconds=5,
    )

    assert await writer_follow.settings_at_start(settings) is settings
    not_following = settings.model_copy(update={"writer_endpoint_poll_seconds": None})
    assert await writer_follow.settings_at_start(not_following) is not_following


async def wait_for(condition: Any, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the router did not follow"
        await asyncio.sleep(0.05)


def test_the_new_url_keeps_all_but_host_and_port() -> None:
    url = "postgresql+asyncpg://app:s3cret@old.example:5432/hotelreviews?ssl=require"

    moved = with_endpoint(url, "new.eu-west-1.rds.amazonaws.com:6543")

    assert moved == (
        "postgresql+asyncpg://app:s3cret@new.eu-west-1.rds.amazonaws.com:6543/hotelreviews"
        "?ssl=require"
    )
    with pytest.raises(ValueError, match="not host:port"):
        with_endpoint(url, "no-port-here")


async def test_the_follower_keeps_its_writer_through_bad_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hotelreviews.dr.rds import writer_follow

    answers = iter([RdsError("cannot reach AWS"), "no port", None, "h2.example:5433"])

    def read(region: str, *, settings: Settings) -> str | None:
        answer = next(answers, "h2.example:5433")
        if isinstance(answer, Exception):
            raise answer
        return answer

    class Router:
        moved_to: list[str] = []

        async def replace_primary(self, primary: Any) -> None:
            self.moved_to.append(primary.name)
            await primary.engine.dispose()

    monkeypatch.setattr(writer_follow.writer_store, "read", read)
    settings = Settings(
        environment="test",
        database_url="postgresql+asyncpg://app:pw@h1.example:5432/reviews",
        aws_endpoint_url="http://127.0.0.1:9",
    )
    router = Router()
    task = asyncio.create_task(
        writer_follow.follow_writer(router, settings, interval_seconds=0.01)  # type: ignore[arg-type]
    )
    try:
        await wait_for(lambda: bool(router.moved_to))
        await asyncio.sleep(0.05)  # the same endpoint again: no second move
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    assert router.moved_to == ["h2.example:5433/reviews"]
