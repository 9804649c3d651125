"""indexes for regency-scale filters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:05:24.883362
"""

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_office_id_id', ['office_id', 'id'], unique=False)

    with op.batch_alter_table('collection_rounds', schema=None) as batch_op:
        batch_op.create_index('ix_collection_rounds_year_quarter', ['year', 'quarter'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('collection_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_collection_rounds_year_quarter')

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_office_id_id')

