"""Migration 0013 turns the Telegram file ids of announcements, webinars and the outbox
messages still to be sent into stored files with only a Telegram reference (no bytes),
and back on downgrade."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


async def _rows(engine: AsyncEngine, sql: str) -> list[tuple[object, ...]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in (await connection.execute(text(sql))).all()]


def _payload(value: object) -> dict[str, object]:
    found = json.loads(value) if isinstance(value, str) else value
    assert isinstance(found, dict)
    return found


async def test_telegram_file_ids_become_stored_files_and_back(bare_engine: AsyncEngine) -> None:
    await migrate.upgrade(bare_engine, "0009")
    async with bare_engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO participants (id, locale, created_at, digest_enabled) "
                "VALUES (1, 'ru', :when, :yes)"
            ),
            {"when": WHEN, "yes": True},
        )
        for broadcast_id, kind, file_id in [
            (1, "document", "tg-doc"),
            (2, "photo", "tg-photo"),
            (3, "document", "tg-doc"),  # the same file twice: one stored file
            (4, None, None),
        ]:
            await connection.execute(
                text(
                    "INSERT INTO broadcasts (id, text, attachment_kind, attachment_file_id, "
                    "acknowledge, audience, recipients, send_at, status, created_at) "
                    "VALUES (:id, 'Текст', :kind, :file, :no, '{}', 1, :when, 'done', :when)"
                ),
                {"id": broadcast_id, "kind": kind, "file": file_id, "no": False, "when": WHEN},
            )
        await connection.execute(
            text(
                "INSERT INTO events (id, kind, title, starts_at, duration_minutes, link, "
                "audience, materials_file_id, status, version, reminded, created_at) VALUES "
                "(1, 'webinar', 'Вебинар', :when, 60, 'https://w', '{}', 'tg-materials', "
                "'scheduled', 1, '[]', :when)"
            ),
            {"when": WHEN},
        )
        outbox: list[tuple[int, str, dict[str, Any]]] = [
            (1, "pending", {"text": "a", "buttons": [], "document": "tg-doc", "photo": None}),
            (2, "ambiguous", {"text": "b", "buttons": [], "document": None, "photo": "tg-photo"}),
            (3, "sent", {"text": "c", "buttons": [], "document": "tg-materials", "photo": None}),
            (4, "pending", {"text": "d", "buttons": [], "document": None, "photo": None}),
        ]
        for row_id, status, payload in outbox:
            await connection.execute(
                text(
                    "INSERT INTO outbox (id, kind, reference, participant_id, channel, chat_id, "
                    "payload, due_at, status, attempts) VALUES (:id, 'broadcast', :ref, 1, "
                    "'telegram', 42, :payload, :when, :status, 0)"
                ),
                {
                    "id": row_id,
                    "ref": f"broadcast:{row_id}",
                    "payload": json.dumps(payload),
                    "when": WHEN,
                    "status": status,
                },
            )

    await migrate.upgrade(bare_engine, "0013")
    files = await _rows(
        bare_engine,
        "SELECT f.id, f.content, f.sha256, r.channel, r.kind, r.reference FROM stored_files f "
        "JOIN file_references r ON r.file_id = f.id ORDER BY f.id",
    )
    # Each distinct file id once, as a Telegram reference without bytes.
    assert [row[1:] for row in files] == [
        (None, None, "telegram", "document", "tg-doc"),
        (None, None, "telegram", "photo", "tg-photo"),
        (None, None, "telegram", "document", "tg-materials"),
    ]
    stored = {row[5]: row[0] for row in files}
    assert await _rows(bare_engine, "SELECT id, attachment_id FROM broadcasts ORDER BY id") == [
        (1, stored["tg-doc"]),
        (2, stored["tg-photo"]),
        (3, stored["tg-doc"]),
        (4, None),
    ]
    assert await _rows(bare_engine, "SELECT materials_id FROM events") == [
        (stored["tg-materials"],)
    ]
    payloads = {
        row_id: _payload(payload)
        for row_id, payload in await _rows(bare_engine, "SELECT id, payload FROM outbox")
    }
    # What may still go out names the stored file; what went stays as it was.
    assert payloads[1] == {
        "text": "a",
        "buttons": [],
        "file": {"id": stored["tg-doc"], "kind": "document"},
    }
    assert payloads[2]["file"] == {"id": stored["tg-photo"], "kind": "photo"}
    assert payloads[3]["document"] == "tg-materials"
    assert payloads[4] == {"text": "d", "buttons": [], "document": None, "photo": None}

    await migrate.downgrade(bare_engine, "0009")
    assert await _rows(
        bare_engine, "SELECT id, attachment_kind, attachment_file_id FROM broadcasts ORDER BY id"
    ) == [
        (1, "document", "tg-doc"),
        (2, "photo", "tg-photo"),
        (3, "document", "tg-doc"),
        (4, None, None),
    ]
    assert await _rows(bare_engine, "SELECT materials_file_id FROM events") == [("tg-materials",)]
    back = {
        row_id: _payload(payload)
        for row_id, payload in await _rows(bare_engine, "SELECT id, payload FROM outbox")
    }
    assert back[1] == {"text": "a", "buttons": [], "document": "tg-doc"}
    assert back[2] == {"text": "b", "buttons": [], "photo": "tg-photo"}
