"""What the fake messenger APIs share: an aiohttp server on 127.0.0.1 that records each
request it serves and lets a test wait for one (fake_telegram.py, fake_max.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Generic, TypeVar

from aiohttp import web

C = TypeVar("C")


class RecordingServer(Generic[C]):
    """`calls` in the order they came; `listeners` are told of each one as it is recorded
    (benchmarks follow thousands of chats with them instead of scanning `calls`)."""

    def __init__(self) -> None:
        self.calls: list[C] = []
        self.listeners: list[Callable[[C], None]] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self, port: int = 0) -> str:
        """Listens on `port` (any free one by default): a test can point the bot at a port
        first and bring the API up there later."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_until(
        self, found: Callable[[], C | None], timeout: float, describe: Callable[[], str]
    ) -> C:
        """The call `found()` returns once it returns one; an AssertionError with
        `describe()` (what came instead) after `timeout` seconds."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
            except TimeoutError:
                raise AssertionError(describe()) from None
        result = found()
        assert result is not None
        return result

    async def settle(self, done: Callable[[], bool], timeout: float) -> bool:
        """Waits, as calls come in, until `done()` holds (False: the timeout came first)."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(done), timeout)
            except TimeoutError:
                return False
        return True

    async def wait_changed(self, ready: Callable[[], bool], timeout: float) -> None:
        """A long poll: returns when `ready()` holds or after `timeout` seconds."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)

    async def _record(self, call: C) -> None:
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()
