"""the reason a target's quarters may differ from its annual target; the office's capaian settings

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 02:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mismatch_reason', sa.String(length=500), nullable=True))
    # NULL is the default of each setting (see core.achievement.Formula).
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('negative_formula', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('predicate_labels', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('capaian_rounding', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_column('capaian_rounding')
        batch_op.drop_column('predicate_labels')
        batch_op.drop_column('negative_formula')
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_column('mismatch_reason')
