"""A fake messenger API served from a thread of its own, for code that runs its own event
loop (an operator command: `bot.cli.main` calls `asyncio.run`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tests.support.fake_api import RecordingServer

S = TypeVar("S", bound=RecordingServer)  # type: ignore[type-arg]


@contextmanager
def served_in_a_thread(make: Callable[[], S]) -> Iterator[S]:
    """`make()`'s server, built and listening in a loop in another thread until the end of
    the block. Its setters (`fail_next`, …) may be called from the test: they only append."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-api", daemon=True)
    thread.start()

    async def started() -> S:
        server = make()  # in the loop: its condition belongs there
        await server.start()
        return server

    try:
        server = asyncio.run_coroutine_threadsafe(started(), loop).result(timeout=10)
        try:
            yield server
        finally:
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
