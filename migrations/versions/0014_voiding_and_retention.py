"""issued records append-only, voiding and the retention rule (issue 9)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 16:40:00.000000
"""

from collections.abc import Sequence

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
