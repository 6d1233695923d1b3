"""the question a respondent is at, kept on the response

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 21:50:00

Until now the conversation state held it. Responses in progress when this runs have no
step: the respondent reopens the survey from /surveys (a press on a question shown before
is answered as an outdated button) and continues at the next unanswered question.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_responses") as batch:
        batch.add_column(sa.Column("step", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("picked", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("survey_responses") as batch:
        batch.drop_column("picked")
        batch.drop_column("step")
