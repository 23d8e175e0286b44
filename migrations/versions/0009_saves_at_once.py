"""Saves at the same moment: reference counters and one-time form keys

Revision ID: 0009_saves_at_once
Revises: 0008_answer_grades
Create Date: 2026-11-30 21:10:00

"""

import re
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_saves_at_once"
down_revision = "0009_user_sessions"
branch_labels = None
depends_on = None

COMPLAINT_REFERENCE = re.compile(r"^CMP-(\d{4})-(\d+)$")


def upgrade():
    counters = op.create_table(
        "reference_counter",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", "year", name=op.f("pk_reference_counter")),
    )
    op.create_table(
        "form_submission",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_form_submission_user_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_form_submission")),
    )
    op.create_index(
        "ix_form_submission_created_at", "form_submission", ["created_at"], unique=False
    )
    # Each year's complaint counter carries on from the highest reference already given.
    highest: dict[int, int] = {}
    for (reference,) in op.get_bind().execute(sa.text("SELECT reference FROM complaint")):
        match = COMPLAINT_REFERENCE.match(reference or "")
        if match:
            year, number = int(match.group(1)), int(match.group(2))
            highest[year] = max(highest.get(year, 0), number)
    if highest:
        op.bulk_insert(
            counters,
            [{"name": "complaint", "year": y, "last": n} for y, n in sorted(highest.items())],
        )


def downgrade():
    op.drop_index("ix_form_submission_created_at", table_name="form_submission")
    op.drop_table("form_submission")
    op.drop_table("reference_counter")
