"""Indexes for every filter and sort the list pages offer (large councils)

Revision ID: 0006_indexes
Revises: 0005_complaints
Create Date: 2026-11-23 19:45:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_indexes"
down_revision = "0005_complaints"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_action_due_on_id", "action", ["due_on", "id"]),
    ("ix_action_to_verify", "action", ["status", "verified_by_id", "completed_on", "id"]),
    ("ix_action_source_created", "action", ["source_type", "created_at"]),
    ("ix_complaint_received_on_id", "complaint", ["received_on", "id"]),
    ("ix_complaint_closed_received", "complaint", ["closed_on", "received_on", "id"]),
    ("ix_complaint_area_received", "complaint", ["service_area_id", "received_on", "id"]),
    ("ix_complaint_stage_stage", "complaint_stage", ["stage", "complaint_id"]),
    ("ix_complaint_stage_started", "complaint_stage", ["started_on", "stage"]),
    ("ix_compliment_received_on_id", "compliment", ["received_on", "id"]),
    ("ix_compliment_area_received", "compliment", ["service_area_id", "received_on", "id"]),
    ("ix_supervision_audit_due_on_id", "supervision_audit", ["due_on", "id"]),
    ("ix_supervision_audit_year_due_on", "supervision_audit", ["year", "due_on", "id"]),
    ("ix_supervision_audit_team_due_on", "supervision_audit", ["team_id", "due_on", "id"]),
    ("ix_user_active_name", "user", ["active", "last_name", "first_name", "id"]),
    ("ix_user_name", "user", ["last_name", "first_name", "id"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
