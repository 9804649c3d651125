"""period lock (office setting), reopened extensions, reminders, users' phone numbers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 02:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_lock_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reopened', sa.Boolean(), nullable=True))
    op.create_table(
        'reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('sent_by_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_reminders_submission_id_submissions')),
        sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_reminders_sent_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_submission_id'), ['submission_id'], unique=False)


def downgrade() -> None:
    op.drop_table('reminders')
    with op.batch_alter_table('extensions', schema=None) as batch_op:
        batch_op.drop_column('reopened')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('phone')
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_column('entry_lock_days')
