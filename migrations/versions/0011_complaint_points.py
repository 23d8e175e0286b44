"""Complaints: points of complaint with an outcome at each stage, Stage 2 people and dates,
the Stage 3 panel, linked complaints

Revision ID: 0011_complaint_points
Revises: 0010_complaint_calendar
Create Date: 2026-11-30 23:47:11.140341

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_complaint_points'
down_revision = '0010_complaint_calendar'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_id', sa.Integer(), nullable=False),
    sa.Column('second_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('unlinked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('first_id < second_id', name=op.f('ck_complaint_link_first_before_second')),
    sa.ForeignKeyConstraint(['first_id'], ['complaint.id'], name=op.f('fk_complaint_link_first_id_complaint')),
    sa.ForeignKeyConstraint(['second_id'], ['complaint.id'], name=op.f('fk_complaint_link_second_id_complaint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_link')),
    sa.UniqueConstraint('first_id', 'second_id', name='uq_complaint_link_pair')
    )
    with op.batch_alter_table('complaint_link', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_link_second', ['second_id'], unique=False)

    op.create_table('complaint_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_point_complaint_id_complaint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_point'))
    )
    with op.batch_alter_table('complaint_point', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_point_number', ['complaint_id', 'number'], unique=False)

    op.create_table('complaint_point_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['complaint_point.id'], name=op.f('fk_complaint_point_outcome_point_id_complaint_point')),
    sa.ForeignKeyConstraint(['stage_id'], ['complaint_stage.id'], name=op.f('fk_complaint_point_outcome_stage_id_complaint_stage')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_point_outcome')),
    sa.UniqueConstraint('point_id', 'stage_id', name='uq_point_outcome_once')
    )
    with op.batch_alter_table('complaint_point_outcome', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_point_outcome_stage', ['stage_id'], unique=False)

    with op.batch_alter_table('complaint_stage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('investigating_officer', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('investigating_officer_kind', sa.String(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('investigating_officer_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('independent_person', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('independent_person_kind', sa.String(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('independent_person_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('statement_agreed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('adjudicating_officer', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('adjudicated_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('panel_chair', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('panel_members', sa.Text(), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('complaint_stage', schema=None) as batch_op:
        batch_op.drop_column('panel_members')
        batch_op.drop_column('panel_chair')
        batch_op.drop_column('adjudicated_on')
        batch_op.drop_column('adjudicating_officer')
        batch_op.drop_column('statement_agreed_on')
        batch_op.drop_column('independent_person_on')
        batch_op.drop_column('independent_person_kind')
        batch_op.drop_column('independent_person')
        batch_op.drop_column('investigating_officer_on')
        batch_op.drop_column('investigating_officer_kind')
        batch_op.drop_column('investigating_officer')

    with op.batch_alter_table('complaint_point_outcome', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_point_outcome_stage')

    op.drop_table('complaint_point_outcome')
    with op.batch_alter_table('complaint_point', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_point_number')

    op.drop_table('complaint_point')
    with op.batch_alter_table('complaint_link', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_link_second')

    op.drop_table('complaint_link')
