"""delinquency: cases, records, plans, investigations, dispositions, suspensions, write-offs, filters

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('saved_filters',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filters')),
    sa.UniqueConstraint('owner', 'name', name=op.f('uq_saved_filters_owner_name'))
    )
    op.create_table('writeoff_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('proposed_by', sa.String(length=64), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'approved' or approved_by is not null", name=op.f('ck_writeoff_runs_approved_by_set')),
    sa.CheckConstraint("status in ('proposed', 'approved', 'rejected')", name=op.f('ck_writeoff_runs_status_known')),
    sa.CheckConstraint('approved_by is null or approved_by <> proposed_by', name=op.f('ck_writeoff_runs_maker_checker')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_writeoff_runs'))
    )
    op.create_table('cases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('officer', sa.String(length=64), nullable=True),
    sa.Column('team', sa.String(length=40), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('next_action_on', sa.Date(), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('opened_reason', sa.String(length=8), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("(status = 'closed') = (closed_on is not null)", name=op.f('ck_cases_closed_dated')),
    sa.CheckConstraint("opened_reason in ('auto', 'manual')", name=op.f('ck_cases_reason_known')),
    sa.CheckConstraint("status in ('open', 'contact', 'plan', 'disposition', 'suspended', 'closed')", name=op.f('ck_cases_status_known')),
    sa.CheckConstraint('priority between 1 and 5', name=op.f('ck_cases_priority_range')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_cases_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_officer_next_action_on', ['officer', 'next_action_on'], unique=False)
        batch_op.create_index('uq_cases_open_taxpayer', ['taxpayer_id'], unique=True, sqlite_where=sa.text("status <> 'closed'"), postgresql_where=sa.text("status <> 'closed'"))

    op.create_table('case_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=14), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('counterpart', sa.String(length=12), nullable=True),
    sa.Column('content_ct', sa.LargeBinary(), nullable=True),
    sa.Column('next_action_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('source_key', sa.String(length=80), nullable=True),
    sa.Column('enc_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("kind in ('visit', 'phone', 'home_visit', 'letter', 'reminder', 'investigation', 'seizure', 'demand', 'plan', 'suspension', 'callcenter', 'note')", name=op.f('ck_case_records_kind_known')),
    sa.CheckConstraint("source in ('manual', 'system', 'callcenter')", name=op.f('ck_case_records_source_known')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_records_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_records')),
    sa.UniqueConstraint('source_key', name=op.f('uq_case_records_source_key'))
    )
    with op.batch_alter_table('case_records', schema=None) as batch_op:
        batch_op.create_index('ix_case_records_case_id_occurred_at', ['case_id', 'occurred_at'], unique=False)

    op.create_table('case_tags',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('colour', sa.String(length=8), nullable=False),
    sa.Column('text_ct', sa.LargeBinary(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('enc_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("colour in ('red', 'orange', 'yellow', 'green', 'blue', 'purple', 'gray')", name=op.f('ck_case_tags_colour_known')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_tags_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_tags'))
    )
    with op.batch_alter_table('case_tags', schema=None) as batch_op:
        batch_op.create_index('ix_case_tags_case_id', ['case_id'], unique=False)

    op.create_table('dispositions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=14), nullable=False),
    sa.Column('property_kind', sa.String(length=12), nullable=False),
    sa.Column('property_ct', sa.LargeBinary(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('proposed_by', sa.String(length=64), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('proceeds', sa.BigInteger(), nullable=True),
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('enc_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('seizure', 'participation', 'demand')", name=op.f('ck_dispositions_kind_known')),
    sa.CheckConstraint("property_kind in ('deposit', 'salary', 'insurance', 'real_estate', 'vehicle', 'receivable', 'other')", name=op.f('ck_dispositions_property_known')),
    sa.CheckConstraint("status in ('proposed', 'in_force', 'collected', 'realised', 'released', 'rejected')", name=op.f('ck_dispositions_status_known')),
    sa.CheckConstraint("status in ('proposed', 'rejected') or approved_by is not null", name=op.f('ck_dispositions_approved_in_force')),
    sa.CheckConstraint('amount is null or amount >= 0', name=op.f('ck_dispositions_amount_valid')),
    sa.CheckConstraint('approved_by is null or approved_by <> proposed_by', name=op.f('ck_dispositions_maker_checker')),
    sa.CheckConstraint('ended_on is null or ended_on >= start_on', name=op.f('ck_dispositions_ended_after_start')),
    sa.CheckConstraint('proceeds is null or proceeds >= 0', name=op.f('ck_dispositions_proceeds_valid')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_dispositions_case_id_cases')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_dispositions_payment_id_payments')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_dispositions_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispositions')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_dispositions_payment_id'))
    )
    with op.batch_alter_table('dispositions', schema=None) as batch_op:
        batch_op.create_index('ix_dispositions_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_dispositions_status', ['status'], unique=False)

    op.create_table('investigations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('target', sa.String(length=12), nullable=False),
    sa.Column('institution_ct', sa.LargeBinary(), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('result_ct', sa.LargeBinary(), nullable=True),
    sa.Column('value', sa.BigInteger(), nullable=True),
    sa.Column('enc_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("(result = 'pending') = (answered_on is null)", name=op.f('ck_investigations_answer_dated')),
    sa.CheckConstraint("result in ('pending', 'found', 'none')", name=op.f('ck_investigations_result_known')),
    sa.CheckConstraint("target in ('deposit', 'salary', 'insurance', 'real_estate', 'vehicle', 'receivable', 'other')", name=op.f('ck_investigations_target_known')),
    sa.CheckConstraint('value is null or value >= 0', name=op.f('ck_investigations_value_valid')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_investigations_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investigations'))
    )
    with op.batch_alter_table('investigations', schema=None) as batch_op:
        batch_op.create_index('ix_investigations_case_id', ['case_id'], unique=False)

    op.create_table('plans',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('pledged_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("status in ('active', 'defaulted', 'completed', 'cancelled')", name=op.f('ck_plans_status_known')),
    sa.CheckConstraint('total > 0 and grace_days >= 0', name=op.f('ck_plans_amounts_valid')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_plans_case_id_cases')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_plans_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index('ix_plans_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_plans_status', ['status'], unique=False)

    op.create_table('suspensions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ground', sa.Integer(), nullable=False),
    sa.Column('immediate', sa.Boolean(), nullable=False),
    sa.Column('reason_ct', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('proposed_by', sa.String(length=64), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('cancelled_on', sa.Date(), nullable=True),
    sa.Column('extinguished_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('enc_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status in ('proposed', 'in_force', 'cancelled', 'extinguished', 'rejected')", name=op.f('ck_suspensions_status_known')),
    sa.CheckConstraint("status in ('proposed', 'rejected') or (decided_by is not null and decided_on is not null)", name=op.f('ck_suspensions_decided_in_force')),
    sa.CheckConstraint('cancelled_on is null or cancelled_on >= decided_on', name=op.f('ck_suspensions_cancel_after_decision')),
    sa.CheckConstraint('decided_by is null or decided_by <> proposed_by', name=op.f('ck_suspensions_maker_checker')),
    sa.CheckConstraint('ground in (1, 2, 3)', name=op.f('ck_suspensions_ground_known')),
    sa.CheckConstraint('not immediate or ground = 1', name=op.f('ck_suspensions_immediate_ground_1')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_suspensions_case_id_cases')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_suspensions_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suspensions'))
    )
    with op.batch_alter_table('suspensions', schema=None) as batch_op:
        batch_op.create_index('ix_suspensions_case_id', ['case_id'], unique=False)

    op.create_table('writeoffs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('component', sa.String(length=12), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=14), nullable=False),
    sa.Column('extinguished_on', sa.Date(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.CheckConstraint("reason in ('prescription', 'suspension_3y', 'immediate')", name=op.f('ck_writeoffs_reason_known')),
    sa.CheckConstraint("state in ('proposed', 'approved', 'rejected')", name=op.f('ck_writeoffs_state_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_writeoffs_amount_positive')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_writeoffs_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['run_id'], ['writeoff_runs.id'], name=op.f('fk_writeoffs_run_id_writeoff_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_writeoffs'))
    )
    with op.batch_alter_table('writeoffs', schema=None) as batch_op:
        batch_op.create_index('ix_writeoffs_run_id', ['run_id'], unique=False)
        batch_op.create_index('uq_writeoffs_live_component', ['assessment_id', 'component'], unique=True, sqlite_where=sa.text("state <> 'rejected'"), postgresql_where=sa.text("state <> 'rejected'"))

    op.create_table('disposition_periods',
    sa.Column('disposition_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_disposition_periods_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['disposition_id'], ['dispositions.id'], name=op.f('fk_disposition_periods_disposition_id_dispositions')),
    sa.PrimaryKeyConstraint('disposition_id', 'assessment_id', name=op.f('pk_disposition_periods'))
    )
    with op.batch_alter_table('disposition_periods', schema=None) as batch_op:
        batch_op.create_index('ix_disposition_periods_assessment_id', ['assessment_id'], unique=False)

    op.create_table('plan_instalments',
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount > 0 and seq > 0', name=op.f('ck_plan_instalments_values_valid')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_instalments_plan_id_plans')),
    sa.PrimaryKeyConstraint('plan_id', 'seq', name=op.f('pk_plan_instalments'))
    )
    op.create_table('plan_periods',
    sa.Column('plan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_plan_periods_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_periods_plan_id_plans')),
    sa.PrimaryKeyConstraint('plan_id', 'assessment_id', name=op.f('pk_plan_periods'))
    )
    with op.batch_alter_table('plan_periods', schema=None) as batch_op:
        batch_op.create_index('ix_plan_periods_assessment_id', ['assessment_id'], unique=False)

    op.create_table('suspension_periods',
    sa.Column('suspension_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_suspension_periods_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['suspension_id'], ['suspensions.id'], name=op.f('fk_suspension_periods_suspension_id_suspensions')),
    sa.PrimaryKeyConstraint('suspension_id', 'assessment_id', name=op.f('pk_suspension_periods'))
    )
    with op.batch_alter_table('suspension_periods', schema=None) as batch_op:
        batch_op.create_index('ix_suspension_periods_assessment_id', ['assessment_id'], unique=False)

    with op.batch_alter_table('deferrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('reduction', sa.String(length=4), server_default='none', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_deferrals_case_id_cases'), 'cases', ['case_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_deferrals_reduction_known'), "reduction in ('none', 'half', 'full')")



def downgrade() -> None:
    with op.batch_alter_table('deferrals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_deferrals_reduction_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_deferrals_case_id_cases'), type_='foreignkey')
        batch_op.drop_column('reduction')
        batch_op.drop_column('case_id')

    with op.batch_alter_table('suspension_periods', schema=None) as batch_op:
        batch_op.drop_index('ix_suspension_periods_assessment_id')

    op.drop_table('suspension_periods')
    with op.batch_alter_table('plan_periods', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_periods_assessment_id')

    op.drop_table('plan_periods')
    op.drop_table('plan_instalments')
    with op.batch_alter_table('disposition_periods', schema=None) as batch_op:
        batch_op.drop_index('ix_disposition_periods_assessment_id')

    op.drop_table('disposition_periods')
    with op.batch_alter_table('writeoffs', schema=None) as batch_op:
        batch_op.drop_index('uq_writeoffs_live_component', sqlite_where=sa.text("state <> 'rejected'"), postgresql_where=sa.text("state <> 'rejected'"))
        batch_op.drop_index('ix_writeoffs_run_id')

    op.drop_table('writeoffs')
    with op.batch_alter_table('suspensions', schema=None) as batch_op:
        batch_op.drop_index('ix_suspensions_case_id')

    op.drop_table('suspensions')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index('ix_plans_status')
        batch_op.drop_index('ix_plans_case_id')

    op.drop_table('plans')
    with op.batch_alter_table('investigations', schema=None) as batch_op:
        batch_op.drop_index('ix_investigations_case_id')

    op.drop_table('investigations')
    with op.batch_alter_table('dispositions', schema=None) as batch_op:
        batch_op.drop_index('ix_dispositions_status')
        batch_op.drop_index('ix_dispositions_case_id')

    op.drop_table('dispositions')
    with op.batch_alter_table('case_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_case_tags_case_id')

    op.drop_table('case_tags')
    with op.batch_alter_table('case_records', schema=None) as batch_op:
        batch_op.drop_index('ix_case_records_case_id_occurred_at')

    op.drop_table('case_records')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('uq_cases_open_taxpayer', sqlite_where=sa.text("status <> 'closed'"), postgresql_where=sa.text("status <> 'closed'"))
        batch_op.drop_index('ix_cases_officer_next_action_on')

    op.drop_table('cases')
    op.drop_table('writeoff_runs')
    op.drop_table('saved_filters')
