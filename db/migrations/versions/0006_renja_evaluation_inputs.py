"""inputs of the Renja evaluation (E.81) and the LKjIP measurement: Renstra end targets (K per indicator,
Rp per program/kegiatan code), realisations from before the app, faktor pendorong, the E.81 footer of a round,
who signs "Dievaluasi" for the regency

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 05:09:51.066336
"""

import sqlalchemy as sa
from alembic import op

import db.models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('renstra_budgets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('end_pagu', db.models.ExactDecimal(precision=18, scale=2), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('end_pagu is null or end_pagu >= 0', name=op.f('ck_renstra_budgets_end_pagu')),
    sa.ForeignKeyConstraint(['office_id'], ['org_units.id'], name=op.f('fk_renstra_budgets_office_id_org_units')),
    sa.ForeignKeyConstraint(['period_id'], ['renstra_periods.id'], name=op.f('fk_renstra_budgets_period_id_renstra_periods')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renstra_budgets')),
    sa.UniqueConstraint('period_id', 'code', name=op.f('uq_renstra_budgets_period_id_code'))
    )
    with op.batch_alter_table('renstra_budgets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renstra_budgets_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_renstra_budgets_period_id'), ['period_id'], unique=False)

    op.create_table('prior_realisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=60), nullable=True),
    sa.Column('value', db.models.ExactDecimal(precision=20, scale=4), nullable=True),
    sa.Column('amount', db.models.ExactDecimal(precision=18, scale=2), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('(indicator_id is null) <> (code is null)', name=op.f('ck_prior_realisations_subject')),
    sa.CheckConstraint('amount is null or amount >= 0', name=op.f('ck_prior_realisations_amount')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_prior_realisations_indicator_id_indicators')),
    sa.ForeignKeyConstraint(['office_id'], ['org_units.id'], name=op.f('fk_prior_realisations_office_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prior_realisations')),
    sa.UniqueConstraint('office_id', 'year', 'code', name=op.f('uq_prior_realisations_office_id_year_code')),
    sa.UniqueConstraint('office_id', 'year', 'indicator_id', name=op.f('uq_prior_realisations_office_id_year_indicator_id'))
    )
    with op.batch_alter_table('prior_realisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prior_realisations_indicator_id'), ['indicator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_prior_realisations_office_id'), ['office_id'], unique=False)

    with op.batch_alter_table('collection_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('faktor_pendorong', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('faktor_penghambat', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('tindak_lanjut_tw', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('tindak_lanjut_renja', sa.Text(), nullable=True))

    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renstra_target', db.models.ExactDecimal(precision=20, scale=4), nullable=True))
        batch_op.add_column(sa.Column('renja_level', sa.String(length=10), nullable=True))
        batch_op.create_check_constraint('renja_level', "renja_level is null or renja_level in ('program','kegiatan')")

    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evaluator_title', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('evaluator_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('evaluator_nip', sa.String(length=18), nullable=True))

    with op.batch_alter_table('realizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('faktor_pendorong', sa.Text(), server_default='', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('realizations', schema=None) as batch_op:
        batch_op.drop_column('faktor_pendorong')

    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_column('evaluator_nip')
        batch_op.drop_column('evaluator_name')
        batch_op.drop_column('evaluator_title')

    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_constraint('ck_indicators_renja_level', type_='check')
        batch_op.drop_column('renja_level')
        batch_op.drop_column('renstra_target')

    with op.batch_alter_table('collection_rounds', schema=None) as batch_op:
        batch_op.drop_column('tindak_lanjut_renja')
        batch_op.drop_column('tindak_lanjut_tw')
        batch_op.drop_column('faktor_penghambat')
        batch_op.drop_column('faktor_pendorong')

    with op.batch_alter_table('prior_realisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prior_realisations_office_id'))
        batch_op.drop_index(batch_op.f('ix_prior_realisations_indicator_id'))

    op.drop_table('prior_realisations')
    with op.batch_alter_table('renstra_budgets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renstra_budgets_period_id'))
        batch_op.drop_index(batch_op.f('ix_renstra_budgets_office_id'))

    op.drop_table('renstra_budgets')
