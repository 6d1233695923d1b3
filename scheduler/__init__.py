"""APScheduler wiring. Jobs are plain functions in `scheduler.jobs`, rebuilt at every start
from code and the database (never pickled), and call the same services as handlers.

Only the elected leader among the replicas runs the scheduler and the delivery loop
(scheduler/leader.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from aiogram import Bot
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.settings import Settings
from bot.telegram.delivery import telegram_editor
from scheduler import jobs
from storage.models import Channel
from storage.types import utcnow

# Seconds between the end of one refresh of the announcements' progress messages and the
# start of the next (see `add_paced_job`).
PROGRESS_EVERY = 3.0


def build_scheduler(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    translator: Translator,
    bot: Bot | None,
    *,
    editors: Mapping[Channel, jobs.Edit] | None = None,
) -> AsyncIOScheduler:
    """`bot`: Telegram's (None: no Telegram); `editors`: the other messengers' editors of
    an announcement's progress message (`bot.max.delivery.max_editor`)."""
    scheduler = AsyncIOScheduler(timezone=settings.zone)
    progress_editors: dict[Channel, jobs.Edit] = dict(editors or {})
    if bot is not None:
        progress_editors.setdefault(Channel.TELEGRAM, telegram_editor(bot))
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
    add_paced_job(
        scheduler,
        jobs.broadcast_progress,
        every=PROGRESS_EVERY,
        id="broadcast_progress",
        kwargs={**context, "translator": translator, "editors": progress_editors},
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


def add_paced_job(
    scheduler: AsyncIOScheduler,
    func: Callable[..., Any],
    *,
    every: float,
    id: str,
    kwargs: dict[str, Any],
) -> None:
    """Runs `func` `every` seconds after its last run ended (a fixed delay), however long
    that run took. On an interval (a fixed rate) a run slower than the interval made
    APScheduler skip the next ones ("maximum number of running instances reached", 18-26
    times a run under load): nothing was lost, as each run reads the counts afresh, but the
    refreshes came irregularly and each skip was a warning. Paced, runs never overlap (two
    would edit the same message at once), none is skipped, and the message shown is never
    older than one run and `every` seconds."""

    def schedule(delay: float) -> None:
        scheduler.add_job(
            func,
            "date",
            run_date=utcnow() + timedelta(seconds=delay),
            id=id,
            kwargs=kwargs,
            replace_existing=True,
            misfire_grace_time=None,  # late is better than never
        )

    def again(event: JobExecutionEvent) -> None:
        if event.job_id == id:  # done or failed: the next one in `every` seconds
            schedule(every)

    scheduler.add_listener(again, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    schedule(every)
