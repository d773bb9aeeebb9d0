"""Reading this process's Prometheus metrics in tests (the default registry: tests run in one
process, without PROMETHEUS_MULTIPROC_DIR). Metrics are process-wide and only move on, so a
test compares them with a snapshot taken before it acts."""

from __future__ import annotations

from prometheus_client import REGISTRY

SeriesKey = tuple[str, frozenset[tuple[str, str]]]


def sample(name: str, **labels: str) -> float | None:
    """A sample's current value; None for a series that does not exist (yet)."""
    return REGISTRY.get_sample_value(name, labels)


class Snapshot:
    """Every sample's value now; `increase(...)` is how much one has grown since."""

    def __init__(self) -> None:
        self._values: dict[SeriesKey, float] = {
            (s.name, frozenset(s.labels.items())): s.value
            for metric in REGISTRY.collect()
            for s in metric.samples
        }

    def increase(self, name: str, **labels: str) -> float:
        now = sample(name, **labels) or 0.0
        return now - self._values.get((name, frozenset(labels.items())), 0.0)
