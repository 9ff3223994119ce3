"""index return lines by status and holder: the dashboard's counts from the index alone (issue 10)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 17:45:00.000000

Created without batch mode: on SQLite a batch would rebuild return_line and drop its retention
trigger (migration 0014).
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_return_line_status_maker", "return_line", ["status", "manufacturer_unit_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_return_line_status_maker", table_name="return_line")
