"""unreachable per account; the messenger of an announcement's progress message

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:30:00

`participants.unreachable_at` moves to each of the person's accounts (today a person
marked unreachable had blocked the bot on the only messenger they used), so that a 403 on
one messenger no longer silences the others. An announcement's progress message says
which messenger it is on and, for MAX, the message's string id, which MAX's edits take;
the progress messages there now are Telegram's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("unreachable_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE accounts SET unreachable_at = (SELECT p.unreachable_at FROM participants p "
        "WHERE p.id = accounts.participant_id)"
    )
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("unreachable_at")
    with op.batch_alter_table("broadcasts") as batch:
        batch.add_column(sa.Column("progress_channel", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("progress_reference", sa.String(length=100), nullable=True))
    op.execute(
        "UPDATE broadcasts SET progress_channel = 'telegram' WHERE progress_message_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_column("progress_reference")
        batch.drop_column("progress_channel")
    with op.batch_alter_table("participants") as batch:
        batch.add_column(
            sa.Column("unreachable_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    # The old schema knows the person only: unreachable when every account is, since the
    # last of them was marked.
    op.execute(
        "UPDATE participants SET unreachable_at = (SELECT MAX(a.unreachable_at) FROM accounts a "
        "WHERE a.participant_id = participants.id) "
        "WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.participant_id = participants.id "
        "AND a.unreachable_at IS NULL)"
    )
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("unreachable_at")
