"""Jobs run by the scheduler: each opens a session and calls the services."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import notices
from bot.i18n import Translator
from bot.services import broadcasts, events, updates
from bot.settings import Settings
from bot.telegram.chat import edit_screen
from storage.types import utcnow

logger = logging.getLogger(__name__)


async def prune_processed_updates(session_factory: async_sessionmaker[AsyncSession]) -> None:
    async with session_factory() as session:
        removed = await updates.prune(session)
    if removed:
        logger.info("Pruned %d processed update ids", removed)


async def materialise_meetings(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with session_factory() as session:
        created = await events.materialise(
            session, settings.zone, utcnow(), weeks=settings.meetings_ahead_weeks
        )
    if created:
        logger.info("Scheduled %d meeting occurrences", created)


async def plan_reminders(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    translator: Translator,
) -> None:
    async with session_factory() as session:
        queued = await notices.send_reminders(
            session, translator, settings.zone, utcnow(), settings.reminder_offsets
        )
    if queued:
        logger.info("Queued %d reminders", queued)


async def holiday_questions(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    translator: Translator,
) -> None:
    """Asks the coordinators to move or cancel events of the coming two weeks that fall
    on a public holiday (each event once)."""
    async with session_factory() as session:
        queued = await notices.ask_about_holidays(session, translator, settings.zone, utcnow())
    if queued:
        logger.info("Asked %d coordinators about events on public holidays", queued)


async def weekly_digest(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    translator: Translator,
) -> None:
    async with session_factory() as session:
        queued = await notices.send_digest(session, translator, settings.zone, utcnow())
    logger.info("Queued the weekly digest for %d participants", queued)


async def broadcast_progress(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    translator: Translator,
    bot: Bot | None,
) -> None:
    """Keeps each author's progress message current; closes finished broadcasts. (The
    progress message is Telegram's: without Telegram's bot only the closing is done.)"""
    async with session_factory() as session:
        for broadcast in await broadcasts.in_progress(session):
            screen = await notices.progress_screen(session, translator, broadcast, utcnow())
            if bot is None:
                continue
            assert broadcast.progress_chat_id is not None
            assert broadcast.progress_message_id is not None
            await edit_screen(
                bot, broadcast.progress_chat_id, broadcast.progress_message_id, screen
            )


async def survey_reminders(
    session_factory: async_sessionmaker[AsyncSession],
    settings: Settings,
    translator: Translator,
) -> None:
    """Invitations to surveys that have opened, and nudges whose time has come."""
    async with session_factory() as session:
        invited = await notices.send_survey_invitations(session, translator, settings.zone)
        nudged = await notices.send_due_nudges(session, translator, settings.zone, utcnow())
    if invited or nudged:
        logger.info("Queued %d survey invitations and %d nudges", invited, nudged)


async def backup_database(settings: Settings) -> None:
    """The daily copy of the SQLite database into BACKUP_DIR, the newest BACKUP_KEEP kept
    (in a worker thread: a large database takes a while to copy)."""
    from storage import backup

    assert settings.backup_dir is not None
    database = backup.sqlite_file(settings.database_url)
    try:
        made, removed = await asyncio.to_thread(
            backup.backup_into,
            database,
            settings.backup_dir,
            settings.backup_keep,
            utcnow().astimezone(settings.zone),
        )
    except (OSError, sqlite3.Error) as error:  # a full disk, a folder it may not write
        logger.error("The daily backup failed: %s", error)
        return
    logger.info("Backup written to %s; %d older copies removed", made, len(removed))
