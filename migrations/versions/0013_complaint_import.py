"""Bringing in the old complaints log: the old reference kept, checked files staged

Revision ID: 0013_complaint_import
Revises: 0016_council_template
Create Date: 2026-12-01 00:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_complaint_import"
down_revision = "0016_council_template"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("complaint", "compliment"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("legacy_reference", sa.String(length=40), nullable=True))
            batch_op.create_unique_constraint(
                batch_op.f(f"uq_{table}_legacy_reference"), ["legacy_reference"]
            )
    op.create_table(
        "complaint_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["user.id"], name=op.f("fk_complaint_import_uploaded_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_import")),
    )


def downgrade():
    op.drop_table("complaint_import")
    for table in ("compliment", "complaint"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_legacy_reference"), type_="unique")
            batch_op.drop_column("legacy_reference")
