"""a person's messenger accounts: participants.telegram_id moves to accounts; the outbox
says the channel of each message

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00

A participant has one or more accounts (channel, external id), so that the same person can
reach the bot through Telegram and MAX. Every `participants.telegram_id` becomes an
account of channel `telegram`; the outbox rows already queued are Telegram's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_accounts_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("channel", "external_id", name="uq_accounts_channel"),
    )
    op.create_index(op.f("ix_accounts_participant_id"), "accounts", ["participant_id"])
    # The account is as old as the person: created_at comes along.
    op.execute(
        "INSERT INTO accounts (participant_id, channel, external_id, created_at) "
        "SELECT id, 'telegram', telegram_id, created_at FROM participants ORDER BY id"
    )
    with op.batch_alter_table("participants") as batch:
        batch.drop_constraint(op.f("uq_participants_telegram_id"), type_="unique")
        batch.drop_column("telegram_id")
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(length=16), nullable=False, server_default="telegram")
        )
    # Only the rows there now are Telegram's by default; new ones say their channel.
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("channel", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("channel")
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("telegram_id", sa.BigInteger(), nullable=True))
    # A person without a Telegram account (MAX only) cannot be kept by the old schema.
    op.execute(
        "DELETE FROM participants WHERE id NOT IN "
        "(SELECT participant_id FROM accounts WHERE channel = 'telegram')"
    )
    op.execute(
        "UPDATE participants SET telegram_id = (SELECT a.external_id FROM accounts a "
        "WHERE a.participant_id = participants.id AND a.channel = 'telegram' "
        "ORDER BY a.id LIMIT 1)"
    )
    with op.batch_alter_table("participants") as batch:
        batch.alter_column("telegram_id", existing_type=sa.BigInteger(), nullable=False)
        batch.create_unique_constraint(op.f("uq_participants_telegram_id"), ["telegram_id"])
    op.drop_index(op.f("ix_accounts_participant_id"), table_name="accounts")
    op.drop_table("accounts")
