"""The cluster's PostgreSQL servers as a whole: created once (the primary in us-east-1, a
streaming replica in every other region, the shared WAL archive), started again in the
right order, stopped."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from hotelreviews.cluster.layout import PRIMARY_REGION, ClusterLayout, slot_name
from hotelreviews.cluster.pg import PgNode
from hotelreviews.cluster.pg_settings import REPLICATION_SETTINGS, archiving_settings
from hotelreviews.cluster.pg_tools import server_user
from hotelreviews.core import migrations
from hotelreviews.core.settings import Settings

DATABASE = "hotelreviews"


def create_databases(
    layout: ClusterLayout,
    *,
    extra_settings: Mapping[str, str | int] | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> None:
    """initdb the primary, create and migrate the application database, clone a replica in
    every other region (each through its own replication slot) and start them all."""
    archive = layout.archive_dir
    archive.mkdir(parents=True, exist_ok=True)
    user = server_user()
    if user is not None:
        os.chown(archive, user.pw_uid, user.pw_gid)
    settings = {**REPLICATION_SETTINGS, **archiving_settings(archive), **(extra_settings or {})}
    primary = layout.node(PRIMARY_REGION)
    say(f"PostgreSQL primary in {PRIMARY_REGION} ({primary.address})")
    primary.init_primary(settings)
    primary.start()
    primary.psql(f'CREATE DATABASE "{DATABASE}"')
    migrations.upgrade(Settings(environment="development", database_url=primary.url(DATABASE)))
    for region in layout.regions:
        if region == PRIMARY_REGION:
            continue
        replica = layout.node(region)
        say(f"PostgreSQL replica in {region} ({replica.address}), streaming from {PRIMARY_REGION}")
        replica.clone_from(primary, slot=slot_name(region))
        replica.start()


def start_databases(nodes: Mapping[str, PgNode]) -> None:
    """Start every stopped server: those that are no replica (the primary) first, then the
    replicas, which connect to it. A fenced server stays down (it needs `dr rejoin`)."""

    def is_replica(node: PgNode) -> bool:
        return (node.data_dir / "standby.signal").exists()

    for node in sorted(nodes.values(), key=is_replica):
        if node.is_fenced() or not node.data_dir.exists():
            continue
        node.start()


def stop_databases(nodes: Mapping[str, PgNode]) -> None:
    """Fast shutdown of every server, the primary first: a clean shutdown sends its last WAL
    to the replicas still connected, so they stop holding everything it committed."""

    def is_replica(node: PgNode) -> bool:
        return (node.data_dir / "standby.signal").exists()

    for node in sorted(nodes.values(), key=is_replica):
        node.stop(mode="fast")
