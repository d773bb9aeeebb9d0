"""Ending the event streams as soon as the server is told to stop, rather than after its grace.

uvicorn, on SIGTERM or SIGINT, stops accepting connections and waits for the requests still
running before it runs the app's lifespan shutdown; a stream never ends by itself, so it would
be cut when `shutdown_grace_seconds` run out (the client then sees a truncated response). The
app is not told of the stop before that. So, while the hub runs under uvicorn's signal
handlers (in the main thread), ours run first: they ask the hub, on the event loop, to end
every stream with a last `reconnect` event, and then hand the signal to uvicorn's. Anywhere
else (tests driving an app in process, other servers) nothing is installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _is_uvicorns(handler: Any) -> bool:
    owner = getattr(handler, "__self__", None)
    return owner is not None and type(owner).__module__.startswith("uvicorn.")


@contextlib.contextmanager
def ending_streams_on_stop(end_streams: Callable[[], None]) -> Iterator[None]:
    """While the block runs, a stop signal to uvicorn first calls `end_streams` (on this
    thread's event loop)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in _SIGNALS}
    if not all(_is_uvicorns(handler) for handler in previous.values()):
        yield
        return
    loop = asyncio.get_running_loop()

    def on_signal(number: int, frame: FrameType | None) -> None:
        # A signal handler may interrupt the loop anywhere: only the thread-safe call.
        loop.call_soon_threadsafe(end_streams)
        handler = previous[number]
        if callable(handler):
            handler(number, frame)

    for number in _SIGNALS:
        signal.signal(number, on_signal)
    try:
        yield
    finally:
        for number, handler in previous.items():
            if signal.getsignal(number) is on_signal:
                signal.signal(number, handler)
