"""The drill, step by step: prepare (a writer key, hotels to read), load for the *before*
phase, kill the primary (its PostgreSQL or its whole region), fail over in a thread while the
load goes on, wait until writes are acknowledged again (*during*), load on (*after*), count
what the new primary kept, then make the cluster whole again: delete the drill's writes,
rejoin the old primary, start a killed region again, optionally switch back."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from hotelreviews.cluster import front
from hotelreviews.cluster.layout import REGIONS, ClusterLayout
from hotelreviews.cluster.pg_status import database_status
from hotelreviews.cluster.up import cluster_root, is_running
from hotelreviews.dr.drill import data, faults
from hotelreviews.dr.drill.load import Load, LoadPlan
from hotelreviews.dr.drill.records import RequestRecord, Timeline
from hotelreviews.dr.failover import Failover, failover
from hotelreviews.dr.rejoin import rejoin
from hotelreviews.dr.switchover import switchover
from hotelreviews.dr.topology import DrError, roles, the_primary
from hotelreviews.dr.waiting import wait_for


class DrillError(RuntimeError):
    """The drill cannot run (or went wrong); the message says what to do."""


@dataclass(frozen=True)
class DrillOptions:
    kill: str = "postgres"  # postgres or region
    before_seconds: float = 20.0
    after_seconds: float = 20.0
    grace_seconds: float = 5.0  # the during phase goes on this long after writes resume
    users_per_region: int = 4
    rate_per_region: float = 20.0
    resume_timeout_seconds: float = 120.0  # give up waiting for writes after this long
    switch_back: bool = False


@dataclass
class DrillRun:
    """Everything the drill saw and did; the report computes its numbers from this."""

    run_id: str
    started_at: str  # UTC, ISO 8601: the load's start, zero on the timeline
    options: DrillOptions
    latency_modelled: bool  # the layout's inter-region latency (cluster up --latency)
    primary_before: str
    records: list[RequestRecord] = field(default_factory=list)
    timeline: Timeline = field(default_factory=Timeline)
    killed: list[str] = field(default_factory=list)
    failover: dict[str, Any] | None = None
    failover_error: str | None = None
    stored: dict[int, str] | None = None  # the drill's writes on the new primary
    cleanup: list[str] = field(default_factory=list)  # what the clean-up did, in order
    problems: list[str] = field(default_factory=list)  # what went wrong on the way
    databases_after: list[dict[str, Any]] = field(default_factory=list)


def load_running_layout(data_dir: Path) -> ClusterLayout:
    layout = ClusterLayout.load(cluster_root(data_dir))
    if not is_running(layout):
        raise DrillError(
            "not every part of the cluster is running: see `hotelreviews cluster status`, "
            "start it with `hotelreviews cluster up`"
        )
    states = roles(layout.nodes())
    if sorted(states.values()) != ["primary", "replica", "replica"]:
        shown = ", ".join(f"{region}: {role}" for region, role in states.items())
        raise DrillError(
            f"the drill needs one primary and two replicas ({shown}): "
            "see `hotelreviews dr status`, `hotelreviews dr rejoin REGION`"
        )
    return layout


def run_drill(
    layout: ClusterLayout, options: DrillOptions, *, say: Callable[[str], None]
) -> DrillRun:
    nodes = layout.nodes()
    primary = the_primary(nodes)
    started = datetime.now(UTC)
    run = DrillRun(
        run_id=f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}",
        started_at=started.isoformat(timespec="milliseconds"),
        options=options,
        latency_modelled=layout.latency,
        primary_before=primary,
    )
    tls = front.client_tls(layout)
    base_url = f"https://{front.global_endpoint(layout)}"
    try:
        hotels = data.hotel_ids(base_url, tls)
    except httpx.HTTPError as error:
        raise DrillError(
            f"the global entry {base_url} does not answer GET /api/v1/hotels ({error}): "
            "see `hotelreviews cluster status`"
        ) from None
    key_id, secret = data.create_writer_key(layout, primary, run.run_id)
    replicas = [node for region, node in nodes.items() if region != primary]
    wait_for(
        lambda: data.replicas_caught_up(nodes[primary], replicas),
        timeout=30,
        what="the replicas have the drill's API key",
    )
    say(f"run {run.run_id}: primary in {primary}; {len(hotels)} hotels to read")
    plan = LoadPlan(
        base_url=base_url,
        regions=[region for region in REGIONS if region in layout.regions],
        users_per_region=options.users_per_region,
        rate_per_region=options.rate_per_region,
        api_key=secret,
        run_id=run.run_id,
        hotel_ids=hotels,
    )
    load = Load(plan, tls, time.monotonic())
    run.started_at = datetime.now(UTC).isoformat(timespec="milliseconds")
    try:
        asyncio.run(_under_load(layout, run, load, primary, say))
    except KeyboardInterrupt:
        # Stopping here could leave the cluster without a primary: repair it first.
        say("interrupted: making the cluster whole again before stopping")
        run.problems.append("interrupted")
    except Exception as error:  # noqa: BLE001 - reported; the cluster is repaired regardless
        run.problems.append(f"the drill stopped early: {type(error).__name__}: {error}")
    finally:
        run.records = list(load.records)
    _count_and_clean(layout, run, key_id, say)
    return run


async def _under_load(
    layout: ClusterLayout, run: DrillRun, load: Load, primary: str, say: Callable[[str], None]
) -> None:
    options, timeline, nodes = run.options, run.timeline, layout.nodes()
    async with load.running():
        say(f"before: {options.before_seconds:g} s of load")
        await asyncio.sleep(options.before_seconds)

        say(f"killing {'the region ' if options.kill == 'region' else 'PostgreSQL in '}{primary}")
        timeline.kill_started = load.now()
        killed = await asyncio.to_thread(faults.kill, layout, primary, options.kill)
        timeline.kill_done = load.now()
        run.killed = killed.processes

        say("failing over")
        timeline.failover_started = load.now()

        def timed_failover() -> Failover:
            try:
                return failover(nodes, say=say)
            finally:
                timeline.failover_finished = load.now()

        failing_over = asyncio.create_task(asyncio.to_thread(timed_failover))
        deadline = timeline.kill_done + options.resume_timeout_seconds
        while load.acknowledged_since(timeline.kill_done) == 0 and load.now() < deadline:
            if failing_over.done() and failing_over.exception() is not None:
                break  # no new primary: writes will not resume
            await asyncio.sleep(0.1)
        if load.acknowledged_since(timeline.kill_done):
            say("writes are acknowledged again")
        else:
            run.problems.append("writes were not acknowledged again")
        await asyncio.sleep(options.grace_seconds)
        try:
            result = await failing_over
            run.failover = asdict(result)
            say(f"failover done: {result.new_primary} is the primary")
        except Exception as error:  # noqa: BLE001 - reported; the clean-up still runs
            run.failover_error = str(error)
            run.problems.append(f"failover failed: {error}")
        timeline.during_ended = load.now()

        say(f"after: {options.after_seconds:g} s of load")
        await asyncio.sleep(options.after_seconds)
        timeline.load_ended = load.now()


def _count_and_clean(
    layout: ClusterLayout, run: DrillRun, key_id: int, say: Callable[[str], None]
) -> None:
    """Count what the new primary kept, then make the cluster whole again. Each step on its
    own: one failing does not skip the others (it is reported)."""
    nodes = layout.nodes()
    old = run.primary_before

    def step(what: str, action: Callable[[], str | None]) -> None:
        say(what)
        try:
            done = action()
            run.cleanup.append(f"{what}: {done}" if done else what)
        except Exception as error:  # noqa: BLE001 - reported; the other steps still run
            run.problems.append(f"{what} failed: {error}")

    def count() -> str:
        run.stored = data.stored_writes(nodes[the_primary(nodes)], run.run_id)
        return f"{len(run.stored)} found"

    def delete() -> str:
        return f"{data.delete_drill_writes(nodes[the_primary(nodes)], run.run_id)} deleted"

    def revoke() -> None:
        data.revoke_writer_key(layout, the_primary(nodes), key_id)

    def rejoin_old() -> str:
        result = rejoin(nodes, old, say=say)
        return f"follows {result.primary} on timeline {result.timeline}"

    def restart_region() -> None:
        faults.restore_region(layout, say)

    def switch_back() -> str:
        result = switchover(nodes, to=old, say=say)
        return f"writes refused for {result.writes_refused_seconds:.1f} s"

    step("counting the drill's writes on the new primary", count)
    step("deleting the drill's ingestions", delete)
    step("revoking the drill's API key", revoke)
    if roles(nodes).get(old) != "primary":
        step(f"rejoining {old} as a replica", rejoin_old)
    if run.options.kill == "region":
        step(f"starting {old}'s processes again", restart_region)
    if run.options.switch_back and the_primary_or_none(nodes) != old:
        step(f"switching the primary back to {old}", switch_back)
    run.databases_after = [status.as_dict() for status in database_status(nodes)]


def the_primary_or_none(nodes: Any) -> str | None:
    try:
        return the_primary(nodes)
    except DrError:
        return None
