"""How scheduler jobs are paced (scheduler/__init__.py)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

import pytest

import scheduler
from bot.i18n import Translator
from bot.settings import load_settings
from scheduler import jobs
from tests.support.recording import recording_bot


async def test_progress_is_refreshed_after_each_slow_run_and_none_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
    translator: Translator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Runs that take longer than the pause between them (a loaded database, a slow Bot
    API) follow one another at the pause's distance: none overlaps, none is skipped, and
    a failed run does not stop the next."""
    loop = asyncio.get_running_loop()
    runs: list[tuple[float, float]] = []

    async def slow_progress(**_kwargs: Any) -> None:
        started = loop.time()
        await asyncio.sleep(0.3)
        runs.append((started, loop.time()))
        if len(runs) == 2:
            raise RuntimeError("the Bot API went away")

    monkeypatch.setattr(jobs, "broadcast_progress", slow_progress)
    monkeypatch.setattr(scheduler, "PROGRESS_EVERY", 0.1)
    bot, _ = recording_bot()
    settings = load_settings(database_url="sqlite+aiosqlite:///:memory:")
    built = scheduler.build_scheduler(settings, None, translator, bot)  # type: ignore[arg-type]
    for job in built.get_jobs():
        if job.id != "broadcast_progress":
            job.remove()
    caplog.set_level(logging.WARNING, logger="apscheduler")
    built.start()
    try:
        await asyncio.sleep(2.2)
    finally:
        built.shutdown(wait=False)
    assert len(runs) >= 4, runs
    for (_, ended), (started, _) in itertools.pairwise(runs):
        assert 0.09 <= started - ended < 0.3, runs  # the pause, after the last run ended
    assert not [r for r in caplog.records if "running instances" in r.getMessage()]
