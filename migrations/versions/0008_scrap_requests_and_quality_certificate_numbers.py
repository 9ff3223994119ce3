"""scrap requests, late steps and the reports they answer

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 14:20:00.000000

Scrapping is requested by the engineer and approved (报废审批单, BF) or refused by a manager;
a late localization or repair says by how much and why, and closes the overdue report or
escalation it answers. The quality certificate's number (quality_certificate.certificate_no)
already has its column: the repair record now fills it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scrap_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("line_status", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=50), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=50), server_default="", nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_scrap_request_created_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["app_user.id"],
            name=op.f("fk_scrap_request_decided_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["return_line.id"], name=op.f("fk_scrap_request_line_id_return_line")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scrap_request")),
        sa.UniqueConstraint("number", name=op.f("uq_scrap_request_number")),
    )
    op.create_index("ix_scrap_request_line_id_decision", "scrap_request", ["line_id", "decision"])
    for table in ("fault_localization", "repair_record"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("late_days", sa.Integer(), server_default="0", nullable=False)
            )
            batch.add_column(sa.Column("late_reason", sa.Text(), server_default="", nullable=False))
    with op.batch_alter_table("report") as batch:
        batch.add_column(
            sa.Column("answered_by", sa.String(length=20), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("answered_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report") as batch:
        batch.drop_column("answered_on")
        batch.drop_column("answered_by")
    for table in ("repair_record", "fault_localization"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("late_reason")
            batch.drop_column("late_days")
    op.drop_index("ix_scrap_request_line_id_decision", table_name="scrap_request")
    op.drop_table("scrap_request")
