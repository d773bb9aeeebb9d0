"""Reading server-sent events from a real server on a loopback port.

httpx's ASGITransport buffers a whole response before returning it, so an endless stream
needs a socket: `served(settings)` runs the app under uvicorn in this process, on a free
port of 127.0.0.1, and `EventReader` parses what arrives, message by message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import uvicorn

from hotelreviews.app.factory import create_app
from hotelreviews.core.settings import Settings
from tests.support.pg_server import free_port

# Generous: these bound a wait for something that must happen, never a duration asserted.
DEADLINE_SECONDS = 30.0
SSE = {"Accept": "text/event-stream"}


@dataclass(frozen=True, slots=True)
class Message:
    """One server-sent event (comments are not messages)."""

    event: str
    data: Any
    id: int | None = None


# What `EventReader.next` returns for a block that holds no event (the retry hint).
HINT = Message(event="", data=None)


@contextlib.asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[str]:
    """The app behind uvicorn on 127.0.0.1 while the block runs; its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        lifespan="on",
        log_config=None,
        access_log=False,
        # A stream a test left open must not keep the server from stopping.
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    while not server.started:
        if task.done():
            task.result()  # its error
            raise AssertionError("the server stopped before it started")
        assert loop.time() < deadline, "the server never started"
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class EventReader:
    """The messages of one open stream, read as they come."""

    response: httpx.Response
    comments: list[str] = field(default_factory=list)
    retry: int | None = None
    _lines: AsyncIterator[str] | None = None

    async def next(self) -> Message | None:
        """The next message (HINT for the retry hint); None when the stream ended."""
        if self._lines is None:
            self._lines = self.response.aiter_lines()
        fields: dict[str, str] = {}
        async with asyncio.timeout(DEADLINE_SECONDS):
            async for line in self._lines:
                if line == "":
                    if "data" in fields:
                        return Message(
                            event=fields.get("event", "message"),
                            data=orjson.loads(fields["data"]),
                            id=int(fields["id"]) if "id" in fields else None,
                        )
                    if fields:  # a block without data (the retry hint): no event, but news
                        return HINT
                    continue
                if line.startswith(":"):
                    self.comments.append(line)
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "retry":
                    self.retry = int(value)
                fields[name] = value
        return None

    async def next_comment(self) -> str:
        """The next comment line (a heartbeat), skipping whatever comes before it."""
        if self._lines is None:
            self._lines = self.response.aiter_lines()
        async with asyncio.timeout(DEADLINE_SECONDS):
            async for line in self._lines:
                if line.startswith(":"):
                    self.comments.append(line)
                    return line
        raise AssertionError("the stream ended without a comment")

    async def take(self, count: int) -> list[Message]:
        """The next `count` events (hints skipped)."""
        messages: list[Message] = []
        while len(messages) < count:
            message = await self.next()
            assert message is not None, f"the stream ended after {messages}"
            if message is not HINT:
                messages.append(message)
        return messages


@contextlib.asynccontextmanager
async def stream(client: httpx.AsyncClient, url: str, **request: Any) -> AsyncIterator[EventReader]:
    """An open event stream (the response's status checked: 200)."""
    headers = {**SSE, **request.pop("headers", {})}
    async with client.stream("GET", url, headers=headers, **request) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventReader(response)
