"""How many expensive requests (searches, include_total lists) run at once, and the route
dependencies that take a slot (`Expensive`, `Page`).

An expensive request holds a pooled database connection for as long as its query runs: enough
of them at once and every connection is taken, so that cheap reads (a hotel, a page of
reviews) wait for one or fail. Rate limits count requests per window and cannot prevent that:
64 slow searches in one second are within any sensible rate. So these are counted while they
run, and refused at once (never queued) beyond:

- per client address: `expensive_requests_per_client` (429 too_many_expensive_requests);
- per process, whoever sends them: `expensive_request_slots`, 4 or half the pool if less by
  default (503 expensive_requests_busy), so that the rest of the pool always serves cheap
  reads and a few broad searches cannot take every core of the database.

The counters live in this process, not in Redis: the pool they protect is this process's, and
a request must not wait on a round trip to be admitted. Cache hits never reach them (the
response cache sits outside routing): a popular search answered from the cache is cheap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from hotelreviews.api.deps import PageQuery
from hotelreviews.core.errors import ExpensiveRequestsBusy, TooManyExpensiveRequests
from hotelreviews.core.pagination import PageRequest

# request.state flag: this request holds a slot already (search with include_total takes one).
_HOLDING = "holds_expensive_slot"


class ExpensiveRequests:
    def __init__(self, *, per_client: int, per_process: int) -> None:
        self.per_client = per_client
        self.per_process = per_process
        self._by_client: Counter[str] = Counter()
        self.running = 0

    @contextmanager
    def slot(self, client: str) -> Iterator[None]:
        """Hold one slot for the block; refuse (raise) when the client or the process is full.
        Check and count happen without an await in between: no other request interleaves."""
        if self._by_client[client] >= self.per_client:
            raise TooManyExpensiveRequests(self.per_client)
        if self.running >= self.per_process:
            raise ExpensiveRequestsBusy()
        self._by_client[client] += 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._by_client[client] -= 1
            if not self._by_client[client]:
                del self._by_client[client]  # the counter holds running clients only


@asynccontextmanager
async def expensive_slot(request: Request) -> AsyncIterator[None]:
    """Hold a slot of the app's ExpensiveRequests for the request (once, however many of its
    dependencies ask), keyed by the client's address (protection.addresses)."""
    if getattr(request.state, _HOLDING, False):
        yield
        return
    limiter: ExpensiveRequests = request.app.state.protection.expensive
    client = request.client.host if request.client else "unknown"
    with limiter.slot(client):
        setattr(request.state, _HOLDING, True)
        try:
            yield
        finally:
            setattr(request.state, _HOLDING, False)


async def _expensive(request: Request) -> AsyncIterator[None]:
    async with expensive_slot(request):
        yield


# A route whose every request is expensive (search): `dependencies=[Expensive]`. It runs only
# while the client and the process have a slot free, else 429 or 503.
Expensive = Depends(_expensive)


async def _page(request: Request, page: PageQuery) -> AsyncIterator[PageRequest]:
    if not page.include_total:
        yield page
        return
    async with expensive_slot(request):  # a count is an expensive request
        yield page


# The paging parameters (api.deps.PageQuery); with include_total the request holds a slot.
Page = Annotated[PageRequest, Depends(_page)]
