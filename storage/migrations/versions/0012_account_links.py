"""linking a person's accounts: one-time link codes, failed attempts per account, and the
channel the person wants the bot's messages on

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:30:00

`link_codes` holds the hash of the one live code per person (made in /me, entered in the
other messenger); `link_attempts` counts the wrong codes entered from one account, so
that guessing is limited; `participants.preferred_channel` is where the outbox writes to
a person with accounts on more than one messenger (None: their first account).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_codes",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_link_codes_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("participant_id", name=op.f("pk_link_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_link_codes_code_hash")),
    )
    op.create_table(
        "link_attempts",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("since", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "external_id", name=op.f("pk_link_attempts")),
    )
    op.create_index(op.f("ix_link_attempts_since"), "link_attempts", ["since"])
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("preferred_channel", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("preferred_channel")
    op.drop_index(op.f("ix_link_attempts_since"), table_name="link_attempts")
    op.drop_table("link_attempts")
    op.drop_table("link_codes")
