"""The serving process's heap, settled once start-up is over.

By the time the application serves, its heap holds a few hundred thousand objects that live
as long as the process: modules, FastAPI's routes and models, SQLAlchemy's compiled
statements, the settings. CPython's oldest-generation collection walks all of them, and it
runs whenever enough objects have survived two younger collections — which spans waiting in
the trace exporter's queue do, for example. Measured: each such collection stopped the event
loop for 40–110 ms, and with tracing on they set the cached hits' p99 (docs/benchmarks.md,
"Cached hits: the p99 tail").

`settle` collects once, then freezes what is left (`gc.freeze`): those objects move to a
permanent generation no later collection walks, so one costs what the objects made since
start-up cost (2–3 ms measured). Frozen objects are never freed by the collector, so it is
done once per process, after the first start-up: a process serves one application for its
life, and what its start-up leaves is kept that long anyway. (A process that builds many
applications — the test suite — freezes only the first one's.)
"""

from __future__ import annotations

import gc

_settled = False


def settle() -> bool:
    """Collect, then freeze the heap start-up left; False if this process already did."""
    global _settled
    if _settled:
        return False
    gc.collect()
    gc.freeze()
    _settled = True
    return True
