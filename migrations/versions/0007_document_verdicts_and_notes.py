"""document verdicts and notes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 14:20:00.000000

Each document check had two nullable booleans (present, consistent), so a document checked and
found not matching the item could not be told from one not checked yet, and printed "未核"
(issue 7, defect 3). One verdict from a closed set replaces them; the existing answers carry
over: present and consistent → consistent, present and not consistent → inconsistent, not
present → missing, anything else → unchecked. The clerk's note stays where it was.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

VERDICTS = "verdict IN ('unchecked', 'consistent', 'inconsistent', 'missing')"

checks = sa.table(
    "document_check",
    sa.column("present", sa.Boolean),
    sa.column("consistent", sa.Boolean),
    sa.column("verdict", sa.String),
)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('document_check', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('verdict', sa.String(length=20), nullable=False, server_default='unchecked')
        )
    op.execute(
        checks.update().values(
            verdict=sa.case(
                (checks.c.present.is_(False), 'missing'),
                (sa.and_(checks.c.present.is_(True), checks.c.consistent.is_(True)), 'consistent'),
                (
                    sa.and_(checks.c.present.is_(True), checks.c.consistent.is_(False)),
                    'inconsistent',
                ),
                else_='unchecked',
            )
        )
    )
    with op.batch_alter_table('document_check', schema=None) as batch_op:
        batch_op.drop_column('present')
        batch_op.drop_column('consistent')
        batch_op.create_check_constraint(op.f('ck_document_check_verdict'), VERDICTS)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('document_check', schema=None) as batch_op:
        batch_op.add_column(sa.Column('present', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('consistent', sa.Boolean(), nullable=True))
    verdict = checks.c.verdict
    op.execute(
        checks.update().values(
            present=sa.case(
                (verdict.in_(['consistent', 'inconsistent']), sa.true()),
                (verdict == 'missing', sa.false()),
                else_=sa.null(),
            ),
            consistent=sa.case(
                (verdict == 'consistent', sa.true()),
                (verdict.in_(['inconsistent', 'missing']), sa.false()),
                else_=sa.null(),
            ),
        )
    )
    with op.batch_alter_table('document_check', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_document_check_verdict'), type_='check')
        batch_op.drop_column('verdict')
