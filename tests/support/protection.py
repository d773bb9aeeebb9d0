"""Clients of one running app that come from the addresses a test chooses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from fastapi import FastAPI

from hotelreviews.app.factory import create_app
from hotelreviews.core.settings import Settings
from tests.support.api_client import TEST_HOST

Connect = Callable[..., httpx.AsyncClient]


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[Connect]:
    """The app with its lifespan entered; `connect(peer="…", base_url=…)` gives a client
    whose requests come from that address (the TCP peer a server would see)."""
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app), AsyncExitStack() as clients:

        def connect(
            peer: str = "127.0.0.1", base_url: str = f"http://{TEST_HOST}"
        ) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(peer, 40000))
            client = httpx.AsyncClient(transport=transport, base_url=base_url)
            clients.push_async_callback(client.aclose)
            return client

        yield connect


async def fresh_window(window_seconds: int, *, needed: float = 30.0) -> None:
    """Wait for the next rate limit window if the current one ends within `needed` seconds,
    so that a test's requests all fall in one window (this waits; it asserts nothing)."""
    left = window_seconds - time.time() % window_seconds
    if left < needed:
        await asyncio.sleep(left + 0.05)
