"""login rules: wrong-password counts, locks, last sign-in and a generation per login

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 10:00:00.000000

A login counts its wrong passwords (a growing wait, then a lock an admin lifts), remembers its
last sign-in, and carries a generation number an admin's change raises, so a window signed in
before a deactivation or a change of role is refused at its next write (issue 8).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(sa.Column("last_failed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("locked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_sign_in_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("generation", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("generation")
        batch.drop_column("last_sign_in_at")
        batch.drop_column("locked_at")
        batch.drop_column("last_failed_at")
        batch.drop_column("failed_sign_ins")
