"""files kept as bytes, with each messenger's reference: announcements' documents and
photos and webinars' materials name a stored file instead of a Telegram file id

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:30:00

A Telegram file id cannot be sent to MAX, so the bot keeps the bytes (`stored_files`) and
the reference each messenger gave them (`file_references`). The files named so far by
`broadcasts.attachment_file_id` and `events.materials_file_id` were never downloaded: each
distinct file id becomes a stored file without bytes, with that id as its Telegram
reference (on Telegram it goes on as before; MAX recipients get the text and a line saying
the file is not there, see docs/broadcasts.md). The outbox messages that may still go out
(pending, sending, failed, ambiguous) named the file id in their payload
(`"document"`/`"photo"`): they name the stored file (`"file"`) instead.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The outbox rows that may still be sent (a resend requeues failed and ambiguous ones).
LIVE = ("pending", "sending", "failed", "ambiguous")

stored_files = sa.table(
    "stored_files",
    sa.column("id", sa.Integer()),
    sa.column("created_at", storage.types.UTCDateTime(timezone=True)),
)
file_references = sa.table(
    "file_references",
    sa.column("file_id", sa.Integer()),
    sa.column("channel", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("reference", sa.Text()),
    sa.column("created_at", storage.types.UTCDateTime(timezone=True)),
)
outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("payload", sa.JSON()),
)


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("mime_type", sa.String(length=127), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_stored_files_sha256")),
    )
    op.create_table(
        "file_references",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_files.id"],
            name=op.f("fk_file_references_file_id_stored_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", "channel", "kind", name=op.f("pk_file_references")),
    )
    with op.batch_alter_table("broadcasts") as batch:
        batch.add_column(sa.Column("attachment_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_broadcasts_attachment_id_stored_files"),
            "stored_files",
            ["attachment_id"],
            ["id"],
        )
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("materials_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_events_materials_id_stored_files"), "stored_files", ["materials_id"], ["id"]
        )
    _keep_telegram_files()
    with op.batch_alter_table("events") as batch:
        batch.drop_column("materials_file_id")
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_column("attachment_file_id")


def _keep_telegram_files() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    kept: dict[str, int] = {}  # Telegram file id: stored file

    def stored(telegram_id: str, kind: str) -> int:
        if telegram_id not in kept:
            file_id = connection.execute(
                sa.insert(stored_files).values(created_at=now).returning(stored_files.c.id)
            ).scalar_one()
            connection.execute(
                sa.insert(file_references).values(
                    file_id=file_id,
                    channel="telegram",
                    kind=kind,
                    reference=telegram_id,
                    created_at=now,
                )
            )
            kept[telegram_id] = file_id
        return kept[telegram_id]

    broadcasts = connection.execute(
        sa.text(
            "SELECT id, attachment_kind, attachment_file_id FROM broadcasts "
            "WHERE attachment_file_id IS NOT NULL ORDER BY id"
        )
    ).all()
    for broadcast_id, kind, telegram_id in broadcasts:
        connection.execute(
            sa.text("UPDATE broadcasts SET attachment_id = :file WHERE id = :id"),
            {"file": stored(telegram_id, kind or "document"), "id": broadcast_id},
        )
    events = connection.execute(
        sa.text(
            "SELECT id, materials_file_id FROM events "
            "WHERE materials_file_id IS NOT NULL ORDER BY id"
        )
    ).all()
    for event_id, telegram_id in events:
        connection.execute(
            sa.text("UPDATE events SET materials_id = :file WHERE id = :id"),
            {"file": stored(telegram_id, "document"), "id": event_id},
        )
    rows = connection.execute(
        sa.select(outbox.c.id, outbox.c.payload).where(outbox.c.status.in_(LIVE))
    ).all()
    for row_id, payload in rows:
        if not isinstance(payload, dict) or not (payload.get("document") or payload.get("photo")):
            continue
        kind = "photo" if payload.get("photo") else "document"
        rewritten: dict[str, Any] = {
            k: v for k, v in payload.items() if k not in ("document", "photo")
        }
        rewritten["file"] = {"id": stored(str(payload[kind]), kind), "kind": kind}
        connection.execute(sa.update(outbox).where(outbox.c.id == row_id).values(payload=rewritten))


def downgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.add_column(sa.Column("attachment_file_id", sa.String(length=200), nullable=True))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("materials_file_id", sa.String(length=200), nullable=True))
    # Back to Telegram file ids: a file never sent on Telegram (kept from MAX) has none,
    # and the old schema cannot name it.
    telegram = (
        "(SELECT r.reference FROM file_references r WHERE r.file_id = {column} "
        "AND r.channel = 'telegram' AND r.kind = {kind} LIMIT 1)"
    )
    op.execute(
        "UPDATE broadcasts SET attachment_file_id = "
        + telegram.format(column="broadcasts.attachment_id", kind="broadcasts.attachment_kind")
        + " WHERE attachment_id IS NOT NULL"
    )
    op.execute(
        "UPDATE events SET materials_file_id = "
        + telegram.format(column="events.materials_id", kind="'document'")
        + " WHERE materials_id IS NOT NULL"
    )
    connection = op.get_bind()
    references = {
        (file_id, kind): reference
        for file_id, kind, reference in connection.execute(
            sa.text(
                "SELECT file_id, kind, reference FROM file_references WHERE channel = 'telegram'"
            )
        ).all()
    }
    rows = connection.execute(
        sa.select(outbox.c.id, outbox.c.payload).where(outbox.c.status.in_(LIVE))
    ).all()
    for row_id, payload in rows:
        if not isinstance(payload, dict) or not isinstance(payload.get("file"), dict):
            continue
        file = payload["file"]
        rewritten = {k: v for k, v in payload.items() if k != "file"}
        rewritten[str(file["kind"])] = references.get((file["id"], file["kind"]))
        connection.execute(sa.update(outbox).where(outbox.c.id == row_id).values(payload=rewritten))
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint(op.f("fk_events_materials_id_stored_files"), type_="foreignkey")
        batch.drop_column("materials_id")
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_constraint(op.f("fk_broadcasts_attachment_id_stored_files"), type_="foreignkey")
        batch.drop_column("attachment_id")
    op.drop_table("file_references")
    op.drop_table("stored_files")
