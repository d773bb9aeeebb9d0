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

It also makes the youngest generation collect every 10,000 net allocations instead of 700.
Ingestion keeps a batch's parsed lines alive while it writes them: at 700, each batch went
through dozens of young collections, its objects were promoted, and oldest-generation
collections followed. With both changes the ingester's collections fell from ~22 % of its
CPU to ~5 % (`bench/ingest.py --reviews 100000`, 0.98 s → 0.35 s of 4.4 s), and its
throughput rose by ~15 %. Most of what a request allocates is freed by reference counting
and never waits for a collection, so the serving processes are unaffected by the larger
threshold; memory grows by at most the cyclic garbage of 10,000 allocations.
"""

from __future__ import annotations

import gc

YOUNGEST_GENERATION_THRESHOLD = 10_000
_settled = False


def settle() -> bool:
    """Collect, freeze the heap start-up left, and make young collections rarer; False if
    this process already did."""
    global _settled
    if _settled:
        return False
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNGEST_GENERATION_THRESHOLD, middle, oldest)
    _settled = True
    return True
