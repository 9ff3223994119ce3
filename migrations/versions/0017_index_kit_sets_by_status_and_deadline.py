"""index kit sets by status and deadline: the dashboard reads only the live sets (issue 10)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 19:15:00.000000

Created without batch mode, as 0016: a batch would rebuild the table on SQLite.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_kit_set_status_deadline", "kit_set", ["status", "deadline"])


def downgrade() -> None:
    op.drop_index("ix_kit_set_status_deadline", table_name="kit_set")
