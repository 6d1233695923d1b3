"""APScheduler wiring. Jobs are plain functions in `scheduler.jobs`, rebuilt at every start
from code and the database (never pickled), and call the same services as handlers.

Only one process runs the scheduler and the delivery loop (RUN_SCHEDULER=false on the
other replicas)."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.settings import Settings
from scheduler import jobs
from storage.types import utcnow


def build_scheduler(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
    bot: Bot | None,
) -> AsyncIOScheduler:
    """`bot`: Telegram's, for the announcements' progress messages (None: a MAX-only
    deployment, where the progress is not shown)."""
    scheduler = AsyncIOScheduler(timezone=settings.zone)
    context = {"session_factory": session_factory, "settings": settings}
    soon = utcnow() + timedelta(seconds=1)
    common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    scheduler.add_job(
        jobs.prune_processed_updates,
        "interval",
        hours=1,
        id="prune_processed_updates",
        kwargs={"session_factory": session_factory},
        next_run_time=soon,
        **common,
    )
    scheduler.add_job(
        jobs.materialise_meetings,
        "cron",
        hour=3,
        id="materialise_meetings",
        kwargs=context,
        next_run_time=soon,
        **common,
    )
    scheduler.add_job(
        jobs.plan_reminders,
        "interval",
        seconds=settings.reminder_check_seconds,
        id="plan_reminders",
        kwargs={**context, "translator": translator},
        next_run_time=soon,
        **common,
    )
    scheduler.add_job(
        jobs.weekly_digest,
        "cron",
        day_of_week="mon",
        hour=9,
        id="weekly_digest",
        kwargs={**context, "translator": translator},
        **common,
    )
    # In office hours (local time): a question that can wait two weeks need not come at night.
    scheduler.add_job(
        jobs.holiday_questions,
        "cron",
        hour="9-18",
        minute=0,
        id="holiday_questions",
        kwargs={**context, "translator": translator},
        **common,
    )
    scheduler.add_job(
        jobs.survey_reminders,
        "interval",
        seconds=settings.reminder_check_seconds,
        id="survey_reminders",
        kwargs={**context, "translator": translator},
        next_run_time=soon,
        **common,
    )
    scheduler.add_job(
        jobs.broadcast_progress,
        "interval",
        seconds=3,
        id="broadcast_progress",
        kwargs={**context, "translator": translator, "bot": bot},
        **common,
    )
    if settings.backup_dir is not None:
        # At night, when nobody answers surveys; missed while the bot was down, it runs
        # at the next start within misfire_grace_time.
        scheduler.add_job(
            jobs.backup_database,
            "cron",
            hour=2,
            minute=30,
            id="backup_database",
            kwargs={"settings": settings},
            **common,
        )
    return scheduler
