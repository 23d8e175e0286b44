"""Graded answers by response: grade counts for a set of forms read from the index alone

Revision ID: 0008_answer_grades
Revises: 0007_practice_week
Create Date: 2026-11-30 01:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_answer_grades"
down_revision = "0007_practice_week"
branch_labels = None
depends_on = None

GRADED = sa.text("grade_level_id IS NOT NULL")


def upgrade():
    op.create_index(
        "ix_qa_answer_response_grade",
        "qa_answer",
        ["response_id", "section_key", "question_key", "grade_level_id"],
        postgresql_where=GRADED,
        sqlite_where=GRADED,
    )


def downgrade():
    op.drop_index("ix_qa_answer_response_grade", table_name="qa_answer")
