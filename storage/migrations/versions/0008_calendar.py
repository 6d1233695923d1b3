"""the calendar people have: a feed token per person, holiday questions per event

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00

`participants.calendar_token` is the secret of a person's subscribable calendar feed;
`events.holiday_asked_at` remembers that the coordinators were asked once to move or
cancel an event falling on a public holiday.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("calendar_token", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_participants_calendar_token"), ["calendar_token"])
    with op.batch_alter_table("events") as batch:
        batch.add_column(
            sa.Column("holiday_asked_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("holiday_asked_at")
    with op.batch_alter_table("participants") as batch:
        batch.drop_constraint(op.f("uq_participants_calendar_token"), type_="unique")
        batch.drop_column("calendar_token")
