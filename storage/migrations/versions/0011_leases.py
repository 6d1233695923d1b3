"""leases: which process leads (runs the scheduler and the delivery loop) on SQLite

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:20:00

On PostgreSQL the leader holds an advisory lock; SQLite has none, so the leader holds a
row here and renews it (scheduler/leader.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
