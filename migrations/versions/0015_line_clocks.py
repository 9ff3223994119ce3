"""line clocks: each running deadline with its due date in an indexed column (issue 10)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 17:15:00.000000

The table starts empty; the first start after the upgrade fills it from the lines' dates and the
calendar (services/kernel/clocks.ensure_clocks), where the calendar code lives, rather than
copying that code into the migration.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "line_clock",
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("stopped_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_id"], ["return_line.id"], name=op.f("fk_line_clock_line_id_return_line")
        ),
        sa.PrimaryKeyConstraint("line_id", "rule", name=op.f("pk_line_clock")),
    )
    op.create_index(
        "ix_line_clock_running_due",
        "line_clock",
        ["due_on"],
        sqlite_where=sa.text("stopped_on IS NULL"),
        postgresql_where=sa.text("stopped_on IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_line_clock_running_due", table_name="line_clock")
    op.drop_table("line_clock")
