"""What `cluster status` counts as a problem (hotelreviews.cluster.status.problems), from
status documents as it builds them."""

from __future__ import annotations

import copy
from typing import Any

from hotelreviews.cluster.status import problems

REGIONS = ("us-east-1", "eu-west-1")


def _process(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "pid": 100, "running": True} | extra


def _healthy() -> dict[str, Any]:
    regions = {
        region: {
            "apis": [
                _process(f"api-{region}-1", ready=True, detail="HTTP 200", balancer_view="UP")
            ],
            "worker": _process(f"worker-{region}"),
            "redis": _process(f"redis ({region})", ready=True, detail="PING"),
            "balancer": _process(f"haproxy ({region})", ready=True, detail="HTTP 200"),
        }
        for region in REGIONS
    }
    return {
        "global": _process(
            "haproxy (global)",
            ready=True,
            detail="HTTP 200",
            regions=dict.fromkeys(REGIONS, "UP"),
        ),
        "regions": regions,
        "databases": [
            {"region": "us-east-1", "role": "primary"},
            {"region": "eu-west-1", "role": "replica", "receiver": "streaming"},
        ],
    }


def test_a_healthy_cluster_has_no_problem() -> None:
    assert problems(_healthy()) == []


def test_each_stopped_or_unready_part_is_one_line() -> None:
    document = copy.deepcopy(_healthy())
    document["regions"]["eu-west-1"]["apis"][0] |= {"ready": False, "detail": "HTTP 503"}
    document["regions"]["eu-west-1"]["redis"]["running"] = False
    document["global"]["regions"]["eu-west-1"] = "DOWN"

    assert problems(document) == [
        "eu-west-1: api-eu-west-1-1 not ready (HTTP 503)",
        "eu-west-1: redis (eu-west-1) not running",
        "eu-west-1: the global entry sees it DOWN",
    ]


def test_a_stopped_global_entry_is_reported_once() -> None:
    document = copy.deepcopy(_healthy())
    document["global"] |= {"running": False, "ready": False, "detail": "refused"}

    assert problems(document) == ["global entry: not running"]


def test_no_primary_or_a_replica_not_streaming_is_a_problem() -> None:
    document = copy.deepcopy(_healthy())
    document["databases"] = [
        {"region": "us-east-1", "role": "down", "error": "connection refused"},
        {"region": "eu-west-1", "role": "replica", "receiver": "starting"},
    ]

    assert problems(document) == [
        "PostgreSQL: 0 primaries answer (expected 1)",
        "PostgreSQL us-east-1: down (connection refused)",
        "PostgreSQL eu-west-1: replica starting",
    ]


def test_two_primaries_are_a_problem() -> None:
    document = copy.deepcopy(_healthy())
    document["databases"][1] = {"region": "eu-west-1", "role": "primary"}

    assert problems(document) == ["PostgreSQL: 2 primaries answer (expected 1)"]
