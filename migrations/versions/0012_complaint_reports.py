"""Complaint reports: advocacy used, complaints not accepted, Ombudsman decisions, and the
complaints officer's yearly self-assessment for the annual report

Revision ID: 0012_complaint_reports
Revises: 0013_complaint_import
Create Date: 2026-11-30 23:55:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_complaint_reports"
down_revision = "0013_complaint_import"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("advocate_used", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("not_accepted_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "not_accepted_reason", sa.String(length=32), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column("not_accepted_note", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("complaint_stage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "ombudsman_decision", sa.String(length=32), nullable=False, server_default=""
            )
        )
    op.create_table(
        "complaints_self_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints_self_assessment")),
        sa.UniqueConstraint("year", name=op.f("uq_complaints_self_assessment_year")),
    )


def downgrade():
    op.drop_table("complaints_self_assessment")
    with op.batch_alter_table("complaint_stage", schema=None) as batch_op:
        batch_op.drop_column("ombudsman_decision")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("not_accepted_note")
        batch_op.drop_column("not_accepted_reason")
        batch_op.drop_column("not_accepted_on")
        batch_op.drop_column("advocate_used")
