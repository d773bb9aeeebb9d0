"""One Redis per region (hotelreviews.cluster.redis): real redis-server processes."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from hotelreviews.cluster import redis as cluster_redis
from hotelreviews.cluster.daemons import DaemonError, StopResult
from tests.support.pg_server import free_port

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason=cluster_redis.INSTALL_HINT
)


@pytest.fixture
def instances(tmp_path: Path) -> Iterator[list[cluster_redis.RedisInstance]]:
    made = [
        cluster_redis.RedisInstance(region, tmp_path / region / "redis", free_port("127.0.0.1"))
        for region in ("us-east-1", "eu-west-1")
    ]
    try:
        yield made
    finally:
        for instance in made:
            cluster_redis.stop_redis(instance)


def test_each_region_gets_its_own_server_without_persistence(
    instances: list[cluster_redis.RedisInstance],
) -> None:
    us, eu = instances
    assert cluster_redis.start_redis(us)
    assert cluster_redis.start_redis(eu)

    with redis.Redis.from_url(us.url) as us_client, redis.Redis.from_url(eu.url) as eu_client:
        us_client.set("region", "us-east-1")
        assert eu_client.get("region") is None
        assert us_client.config_get("save") == {"save": ""}
        assert us_client.config_get("appendonly") == {"appendonly": "no"}
        assert us_client.config_get("dir") == {"dir": str(us.directory)}
    assert "Ready to accept connections" in us.daemon.log_file.read_text()


def test_starting_a_running_server_again_changes_nothing(
    instances: list[cluster_redis.RedisInstance],
) -> None:
    us = instances[0]
    cluster_redis.start_redis(us)
    pid = us.daemon.pid

    assert not cluster_redis.start_redis(us)
    assert us.daemon.pid == pid


def test_a_stopped_server_no_longer_answers(instances: list[cluster_redis.RedisInstance]) -> None:
    us = instances[0]
    cluster_redis.start_redis(us)
    assert cluster_redis.ping(us.bind, us.port)

    assert cluster_redis.stop_redis(us) is StopResult.TERMINATED
    assert not cluster_redis.ping(us.bind, us.port)


def test_a_port_taken_by_another_program_is_reported(
    instances: list[cluster_redis.RedisInstance],
) -> None:
    us = instances[0]
    with (
        socket.create_server((us.bind, us.port)),
        pytest.raises(DaemonError, match=f"something else listens on .*:{us.port}"),
    ):
        cluster_redis.start_redis(us)
    assert not us.daemon.is_running()
