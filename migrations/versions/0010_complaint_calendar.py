"""Complaint calendar: extra bank holidays kept apart from council closure days

Revision ID: 0010_complaint_calendar
Revises: 0009_saves_at_once
Create Date: 2026-11-30 22:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_complaint_calendar"
down_revision = "0009_saves_at_once"
branch_labels = None
depends_on = None


def upgrade():
    # Every day recorded so far stays a council closure day: the officer moves any that is
    # really a bank holiday to the other list (the statutory clock then counts it).
    with op.batch_alter_table("closure_day", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="closure")
        )


def downgrade():
    with op.batch_alter_table("closure_day", schema=None) as batch_op:
        batch_op.drop_column("kind")
