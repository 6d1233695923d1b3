"""Migration 0009 moves every participant's Telegram id to an account of theirs, and
back on downgrade, with the rows that reference the person left as they were."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate

PEOPLE = {1: 111_000_000_001, 2: 7_000_000_002, 3: 42}


async def _rows(engine: AsyncEngine, sql: str) -> list[tuple[object, ...]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in (await connection.execute(text(sql))).all()]


async def test_telegram_ids_move_to_accounts_and_back(bare_engine: AsyncEngine) -> None:
    await migrate.upgrade(bare_engine, "0008")
    async with bare_engine.begin() as connection:
        for participant_id, telegram_id in PEOPLE.items():
            await connection.execute(
                text(
                    "INSERT INTO participants (id, telegram_id, locale, created_at, "
                    "digest_enabled) VALUES (:id, :tg, 'ru', '2026-01-02 03:04:05+00:00', "
                    ":yes)"
                ),
                {"id": participant_id, "tg": telegram_id, "yes": True},
            )
        await connection.execute(
            text(
                "INSERT INTO outbox (kind, reference, participant_id, chat_id, payload, "
                "due_at, status, attempts) VALUES ('digest', 'd', 1, :tg, '{}', "
                "'2026-01-02 03:04:05+00:00', 'pending', 0)"
            ),
            {"tg": PEOPLE[1]},
        )

    await migrate.upgrade(bare_engine, "0009")
    accounts = await _rows(
        bare_engine,
        "SELECT participant_id, channel, external_id FROM accounts ORDER BY participant_id",
    )
    assert accounts == [(pid, "telegram", tg) for pid, tg in PEOPLE.items()]
    assert await _rows(bare_engine, "SELECT channel, chat_id FROM outbox") == [
        ("telegram", PEOPLE[1])
    ]

    await migrate.downgrade(bare_engine, "0008")
    back = await _rows(bare_engine, "SELECT id, telegram_id FROM participants ORDER BY id")
    assert back == list(PEOPLE.items())
    assert await _rows(bare_engine, "SELECT participant_id, chat_id FROM outbox") == [
        (1, PEOPLE[1])
    ]
