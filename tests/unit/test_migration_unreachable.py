"""Migration 0010 moves a person's unreachable mark to each of their accounts, and back on
downgrade (a person is unreachable when all their accounts are); an announcement's
progress message there already is Telegram's."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate

BLOCKED = "2026-11-02 03:04:05+00:00"
LATER = "2026-11-20 03:04:05+00:00"


async def _rows(engine: AsyncEngine, sql: str) -> list[tuple[object, ...]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in (await connection.execute(text(sql))).all()]


def _moment(value: object) -> str:
    """A stored time as text on both engines (SQLite keeps the string)."""
    return str(value).replace("T", " ")


async def test_unreachable_marks_move_to_the_accounts_and_back(bare_engine: AsyncEngine) -> None:
    await migrate.upgrade(bare_engine, "0009")
    async with bare_engine.begin() as connection:
        # 1 blocked the bot (Telegram, their only messenger); 2 did not; 3 has two accounts
        # and was blocked as a person.
        # (Times as literals: asyncpg takes no text for a timestamp parameter.)
        for participant_id, unreachable in ((1, f"'{BLOCKED}'"), (2, "NULL"), (3, f"'{BLOCKED}'")):
            await connection.execute(
                text(
                    "INSERT INTO participants (id, locale, created_at, digest_enabled, "
                    "unreachable_at) VALUES (:id, 'ru', '2026-01-02 03:04:05+00:00', :yes, "
                    f"{unreachable})"
                ),
                {"id": participant_id, "yes": True},
            )
        for account_id, participant_id, channel, external_id in (
            (1, 1, "telegram", 101),
            (2, 2, "telegram", 102),
            (3, 3, "telegram", 103),
            (4, 3, "max", 203),
        ):
            await connection.execute(
                text(
                    "INSERT INTO accounts (id, participant_id, channel, external_id, "
                    "created_at) VALUES (:id, :pid, :channel, :external, "
                    "'2026-01-02 03:04:05+00:00')"
                ),
                {
                    "id": account_id,
                    "pid": participant_id,
                    "channel": channel,
                    "external": external_id,
                },
            )
        await connection.execute(
            text(
                "INSERT INTO broadcasts (id, author_id, text, audience, recipients, send_at, "
                "status, progress_chat_id, progress_message_id, created_at, acknowledge) "
                f"VALUES (1, 2, 'x', '{{}}', 0, '{BLOCKED}', 'sending', 102, 55, '{BLOCKED}', "
                f":no), (2, 2, 'y', '{{}}', 0, '{BLOCKED}', 'done', NULL, NULL, '{BLOCKED}', :no)"
            ),
            {"no": False},
        )

    await migrate.upgrade(bare_engine, "0010")
    accounts = await _rows(bare_engine, "SELECT id, unreachable_at FROM accounts ORDER BY id")
    assert [(i, _moment(at) if at else None) for i, at in accounts] == [
        (1, BLOCKED),
        (2, None),
        (3, BLOCKED),
        (4, BLOCKED),
    ]
    assert await _rows(
        bare_engine,
        "SELECT id, progress_channel, progress_chat_id, progress_message_id, "
        "progress_reference FROM broadcasts ORDER BY id",
    ) == [(1, "telegram", 102, 55, None), (2, None, None, None, None)]

    # Person 3 writes again from Telegram: reachable there, still blocked on MAX.
    async with bare_engine.begin() as connection:
        await connection.execute(text("UPDATE accounts SET unreachable_at = NULL WHERE id = 3"))
        await connection.execute(
            text(f"UPDATE accounts SET unreachable_at = '{LATER}' WHERE id = 2")
        )

    await migrate.downgrade(bare_engine, "0009")
    people = await _rows(bare_engine, "SELECT id, unreachable_at FROM participants ORDER BY id")
    assert [(i, _moment(at) if at else None) for i, at in people] == [
        (1, BLOCKED),
        (2, LATER),
        (3, None),  # one account still reaches them
    ]
    assert await _rows(bare_engine, "SELECT count(*) FROM accounts") == [(4,)]
    assert await _rows(
        bare_engine, "SELECT progress_chat_id, progress_message_id FROM broadcasts WHERE id = 1"
    ) == [(102, 55)]
