"""End to end: `python -m bot` as a subprocess, polling the fake Bot API over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.bot_process import MAX_TOKEN, TOKEN, BotProcess
from tests.support.fake_max import FakeMax
from tests.support.fake_telegram import FakeTelegram

pytestmark = pytest.mark.e2e


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def max_api() -> AsyncIterator[FakeMax]:
    fake = FakeMax(MAX_TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def processes(request: pytest.FixtureRequest) -> AsyncIterator[list[BotProcess]]:
    """The bot processes a test starts (on either messenger), killed after it, their log
    shown on a failure."""
    started: list[BotProcess] = []
    yield started
    failed = request.node.rep_call.failed if hasattr(request.node, "rep_call") else False
    for process in started:
        await process.close()
        if failed:
            print(f"--- bot log ---\n{process.log()}")


@pytest.fixture
async def bot_process(
    telegram: FakeTelegram, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[BotProcess]:
    process = BotProcess(telegram, tmp_path)
    yield process
    await process.close()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        print(f"--- bot log ---\n{process.log()}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
