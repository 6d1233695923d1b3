from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import participants, updates
from storage import db, migrate
from storage.fsm import SqlStorage
from storage.models import Account, Channel, FsmRecord, Participant, ProcessedUpdate
from storage.repositories import ProcessedUpdateRepository


async def test_visit_creates_once_and_keeps_the_chosen_locale(session: AsyncSession) -> None:
    first = await participants.visit(session, Channel.TELEGRAM, 42, "en")
    again = await participants.visit(session, Channel.TELEGRAM, 42, "ru")
    assert first.id == again.id
    assert again.locale == "en"  # the guess applies to a first visit only
    await participants.set_locale(session, again, "ru")
    count = await session.scalar(select(func.count()).select_from(Participant))
    assert count == 1
    assert (await participants.visit(session, Channel.TELEGRAM, 42, "en")).locale == "ru"


async def test_datetimes_come_back_aware_in_utc(session: AsyncSession) -> None:
    moscow = timezone(timedelta(hours=3))
    participant = await participants.visit(session, Channel.TELEGRAM, 7, "ru")
    participant.created_at = datetime(2026, 12, 7, 10, 0, tzinfo=moscow)
    await session.commit()
    session.expunge_all()
    loaded = await session.scalar(select(Participant).join(Account).where(Account.external_id == 7))
    assert loaded is not None
    assert loaded.created_at == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert loaded.created_at.tzinfo is not None


async def test_naive_datetime_is_refused(session: AsyncSession) -> None:
    participant = await participants.visit(session, Channel.TELEGRAM, 8, "ru")
    participant.created_at = datetime(2026, 1, 1)  # naive on purpose
    with pytest.raises(Exception, match="naive datetime"):
        await session.commit()


async def test_an_update_is_claimed_with_its_changes_once_and_pruned_after_a_day(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        updates.claim_with_first_commit(session, 1001)
        await participants.visit(
            session, Channel.TELEGRAM, 501, "ru"
        )  # commits: the claim goes with it
        assert await updates.was_processed(session, 1001)
    async with session_factory() as session:
        # A second delivery of 1001: its changes go with the claim that fails.
        updates.claim_with_first_commit(session, 1001)
        with pytest.raises(updates.AlreadyProcessed):
            await participants.visit(session, Channel.TELEGRAM, 502, "ru")
    async with session_factory() as session:
        # An update that changed nothing is claimed after its handler.
        updates.claim_with_first_commit(session, 1002)
        await updates.claim_unless_committed(session)
        assert await updates.was_processed(session, 1002)
        old = await session.get(ProcessedUpdate, 1001)
        assert old is not None
        old.processed_at = datetime.now(UTC) - timedelta(days=2)
        await session.commit()
        assert await updates.prune(session) == 1
        remaining = await session.scalars(select(ProcessedUpdate.update_id))
        assert list(remaining) == [1002]
        assert await session.scalar(select(func.count()).select_from(Participant)) == 1


async def test_sql_fsm_storage_round_trip(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    storage = SqlStorage(session_factory)
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    assert await storage.get_state(key) is None
    assert await storage.get_data(key) == {}

    await storage.set_state(key, "Registration:name")
    await storage.set_data(key, {"school": "47001", "answers": [1, 2], "name": "Ирина"})
    assert await storage.get_state(key) == "Registration:name"
    assert await storage.update_data(key, {"step": 3}) == {
        "school": "47001",
        "answers": [1, 2],
        "name": "Ирина",
        "step": 3,
    }
    # Another storage on the same database (a restarted process) sees the same state.
    reopened = SqlStorage(session_factory)
    assert await reopened.get_state(key) == "Registration:name"
    assert (await reopened.get_data(key))["name"] == "Ирина"

    other = StorageKey(bot_id=1, chat_id=3, user_id=3)
    assert await storage.get_state(other) is None

    await storage.set_state(key, None)
    await storage.set_data(key, {})
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(FsmRecord)) == 0


async def test_sql_fsm_storage_reads_from_memory_what_it_wrote(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Reads come from memory once a key is known, and always match the database; what a
    caller does to the data it got back changes nothing stored."""
    storage = SqlStorage(session_factory)
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    assert await storage.get_state(key) is None  # read once: known from now on
    await storage.set_state(key, "Surveying:answering")
    await storage.set_data(key, {"response": 1, "q": 0, "picked": ["a"]})
    got = await storage.get_data(key)
    got["picked"].append("b")
    got["q"] = 9
    assert await storage.get_data(key) == {"response": 1, "q": 0, "picked": ["a"]}
    assert await storage.get_state(key) == "Surveying:answering"
    fresh = SqlStorage(session_factory)  # nothing in memory: straight from the database
    assert await fresh.get_data(key) == {"response": 1, "q": 0, "picked": ["a"]}
    assert await fresh.get_state(key) == "Surveying:answering"
    await storage.update_data(key, {"q": 1})
    assert (await SqlStorage(session_factory).get_data(key))["q"] == 1
    await storage.set_state(key, None)
    await storage.set_data(key, {})
    assert (await storage.get_state(key), await storage.get_data(key)) == (None, {})
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(FsmRecord)) == 0


async def test_sql_fsm_storage_refuses_non_dict_data(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    storage = SqlStorage(session_factory)
    with pytest.raises(TypeError):
        await storage.set_data(StorageKey(1, 1, 1), [1, 2])  # type: ignore[arg-type]


async def test_someone_who_writes_again_is_reachable_again_there(session: AsyncSession) -> None:
    participant = await participants.visit(session, Channel.TELEGRAM, 77, "ru")
    participant.accounts.append(Account(channel=Channel.MAX, external_id=78))
    for account in participant.accounts:
        account.unreachable_at = datetime.now(UTC)
    await session.commit()
    assert participant.is_unreachable
    assert participant.reachable_contact is None
    # They unblocked the bot on Telegram and wrote to it: Telegram delivers to them
    # again; MAX, where they have not written, stays marked.
    again = await participants.visit(session, Channel.TELEGRAM, 77, "ru")
    telegram, on_max = again.accounts
    assert (telegram.unreachable_at, on_max.unreachable_at is not None) == (None, True)
    assert again.reachable_contact is telegram
    assert not again.is_unreachable


async def test_concurrent_writers_take_turns_and_a_rollback_frees_the_turn(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Many sessions writing at once (on SQLite: one at a time, queued in this process)
    all commit, though each holds its transaction open a while; one that fails before its
    commit leaves nothing behind and lets the next writer go on."""

    async def writer(update_id: int, linger: float) -> None:
        async with session_factory() as session:
            assert await ProcessedUpdateRepository(session).claim(update_id)
            await session.execute(select(ProcessedUpdate))  # a read inside the write
            await asyncio.sleep(linger)
            await session.commit()

    async def failing_writer() -> None:
        async with session_factory() as session:
            assert await ProcessedUpdateRepository(session).claim(999)
            raise RuntimeError("the handler failed mid-transaction")

    with pytest.raises(RuntimeError):
        await failing_writer()
    await asyncio.gather(*(writer(i, 0.01 * (i % 3)) for i in range(1, 21)))
    async with session_factory() as session:
        ids = set(await session.scalars(select(ProcessedUpdate.update_id)))
    assert ids == set(range(1, 21))


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_after_a_restart_only_updates_up_to_the_newest_claim_are_looked_up(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        fresh = await updates.redeliveries_after_restart(session)
        assert not fresh.possible(1)  # nothing was ever claimed
        for update_id in (5, 9):
            updates.claim_with_first_commit(session, update_id)
            await updates.claim_unless_committed(session)
        restarted = await updates.redeliveries_after_restart(session)
    assert restarted.possible(9)
    assert restarted.possible(3)
    assert not restarted.possible(10)  # Telegram gives later ids to no one before
    assert restarted.possible(10)  # the same update again
    assert not restarted.possible(12)
    assert restarted.possible(11)  # older than one seen
    assert updates.ANY_UPDATE.possible(10**12)  # a webhook: every update is looked up
    assert updates.ANY_UPDATE.possible(10**12)


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_a_writer_meeting_another_process_lock_waits_without_stopping_the_loop(
    session_factory: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """An operator's command holding SQLite's write lock: the bot's writer waits for it
    (SQLite's busy handler, in the connection's thread) while the loop goes on answering."""
    other_process = sqlite3.connect(tmp_path / "test.sqlite3", isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # holds the write lock

    async def write() -> None:
        async with session_factory() as session:
            assert await ProcessedUpdateRepository(session).claim(4242)
            await session.commit()

    writer = asyncio.create_task(write())
    await asyncio.sleep(0.2)  # the loop runs: the writer waits (not failed, not blocking)
    assert not writer.done()
    other_process.rollback()
    other_process.close()
    await asyncio.wait_for(writer, 10)
    async with session_factory() as session:
        assert await session.scalar(select(ProcessedUpdate.update_id)) == 4242


async def test_a_writer_kept_waiting_too_long_fails_with_database_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "WRITE_WAIT_SECONDS", 0.2)
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'locked.sqlite3'}")
    await migrate.upgrade(engine)
    sessions = db.create_session_factory(engine)
    try:
        async with sessions() as holder, sessions() as waiter:
            assert await ProcessedUpdateRepository(holder).claim(1)  # holds the write turn
            with pytest.raises(TimeoutError, match="database is locked"):
                await ProcessedUpdateRepository(waiter).claim(2)
            await waiter.rollback()
            await holder.commit()
            assert await ProcessedUpdateRepository(waiter).claim(2)
    finally:
        await engine.dispose()
