"""Indexes on the case-file audit's and the moderation's response, so the grade agreement
page's grades before and after moderation join from a council's answers to its audits by
index (at scale 50 the page took 14 s on SQLite, scanning the moderations for each answer)

Revision ID: 0022_response_indexes
Revises: 0021_background_jobs
Create Date: 2026-12-01 12:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022_response_indexes'
down_revision = '0021_background_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_audit_response_id'), ['response_id'], unique=False)
    with op.batch_alter_table('moderation_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_line_response_id'), ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('moderation_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_line_response_id'))
    with op.batch_alter_table('case_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_audit_response_id'))
