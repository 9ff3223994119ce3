"""checklist items: a criterion and whether a measured value is written down

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-29 15:30:00.000000

An acceptance checklist point says what passes (合格判据) and whether the inspector writes a
measured value (实测值) or only ticks 合格 / 不合格 (issue 8, the admin's checklist page).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checklist_item") as batch:
        batch.add_column(
            sa.Column("criterion", sa.String(length=200), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("measured", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("checklist_item") as batch:
        batch.drop_column("measured")
        batch.drop_column("criterion")
