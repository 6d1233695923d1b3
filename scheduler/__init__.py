"""APScheduler wiring. Jobs are plain functions in `scheduler.jobs`, rebuilt at every start
from code and the database (never pickled), and call the same services as handlers."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from scheduler import jobs
from storage.types import utcnow


def build_scheduler(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=settings.zone)
    scheduler.add_job(
        jobs.prune_processed_updates,
        "interval",
        hours=1,
        id="prune_processed_updates",
        kwargs={"session_factory": session_factory},
        next_run_time=utcnow() + timedelta(seconds=5),
        coalesce=True,
        max_instances=1,
    )
    return scheduler
