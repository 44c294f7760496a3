"""initial schema: taxpayers, assessments, payments, allocations, suspense,
overpayments, transfer accounts, keys, settings and the audit chain.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_events',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('session_id', sa.String(length=64), nullable=True),
    sa.Column('terminal_id', sa.String(length=64), nullable=True),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=True),
    sa.Column('target_ref', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint("outcome in ('ok', 'denied', 'error')", name=op.f('ck_audit_events_outcome_known')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_occurred_at', ['occurred_at'], unique=False)
        batch_op.create_index('ix_audit_events_user_id', ['user_id'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_head_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('key_versions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('wrapped', sa.LargeBinary(), nullable=False),
    sa.Column('kek_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose in ('field', 'index')", name=op.f('ck_key_versions_purpose_known')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_key_versions_version_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_versions')),
    sa.UniqueConstraint('purpose', 'version', name=op.f('uq_key_versions_purpose_version'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('taxpayers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('atena_no', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('corporate_number', sa.String(length=13), nullable=True),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('household_no', sa.String(length=20), nullable=True),
    sa.Column('relationship', sa.String(length=20), nullable=True),
    sa.Column('resident_status', sa.String(length=12), nullable=False),
    sa.Column('deceased_date', sa.Date(), nullable=True),
    sa.Column('flag_koji_sotatsu', sa.Boolean(), nullable=False),
    sa.Column('flag_tokusoku_teishi', sa.Boolean(), nullable=False),
    sa.Column('flag_saikoku_teishi', sa.Boolean(), nullable=False),
    sa.Column('flag_hakko_yokushi', sa.Boolean(), nullable=False),
    sa.Column('my_number_ct', sa.LargeBinary(), nullable=True),
    sa.Column('name_ct', sa.LargeBinary(), nullable=True),
    sa.Column('name_kana_ct', sa.LargeBinary(), nullable=True),
    sa.Column('birth_date_ct', sa.LargeBinary(), nullable=True),
    sa.Column('postal_code_ct', sa.LargeBinary(), nullable=True),
    sa.Column('address_ct', sa.LargeBinary(), nullable=True),
    sa.Column('phone_ct', sa.LargeBinary(), nullable=True),
    sa.Column('household_head_name_ct', sa.LargeBinary(), nullable=True),
    sa.Column('mailing_address_ct', sa.LargeBinary(), nullable=True),
    sa.Column('bi_my_number', sa.Integer(), nullable=True),
    sa.Column('bi_kana_name', sa.Integer(), nullable=True),
    sa.Column('bi_kana_surname', sa.Integer(), nullable=True),
    sa.Column('bi_kana_surname_birth', sa.Integer(), nullable=True),
    sa.Column('bi_birth_date', sa.Integer(), nullable=True),
    sa.Column('bi_phone', sa.Integer(), nullable=True),
    sa.Column('enc_version', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('individual', 'corporation')", name=op.f('ck_taxpayers_kind_known')),
    sa.CheckConstraint("resident_status in ('resident', 'non_resident')", name=op.f('ck_taxpayers_resident_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taxpayers')),
    sa.UniqueConstraint('atena_no', name=op.f('uq_taxpayers_atena_no'))
    )
    with op.batch_alter_table('taxpayers', schema=None) as batch_op:
        batch_op.create_index('ix_taxpayers_bi_birth_date', ['bi_birth_date'], unique=False)
        batch_op.create_index('ix_taxpayers_bi_kana_name', ['bi_kana_name'], unique=False)
        batch_op.create_index('ix_taxpayers_bi_kana_surname', ['bi_kana_surname'], unique=False)
        batch_op.create_index('ix_taxpayers_bi_kana_surname_birth', ['bi_kana_surname_birth'], unique=False)
        batch_op.create_index('ix_taxpayers_bi_my_number', ['bi_my_number'], unique=False)
        batch_op.create_index('ix_taxpayers_bi_phone', ['bi_phone'], unique=False)
        batch_op.create_index('ix_taxpayers_enc_version', ['enc_version'], unique=False)

    op.create_table('assessments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('notice_no', sa.String(length=30), nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tax_code', sa.String(length=2), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('assessed_amount', sa.BigInteger(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('statutory_due_date', sa.Date(), nullable=False),
    sa.Column('dunning_fee', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('assessed_amount >= 0', name=op.f('ck_assessments_amount_nonneg')),
    sa.CheckConstraint('dunning_fee >= 0', name=op.f('ck_assessments_fee_nonneg')),
    sa.CheckConstraint('period between 1 and 99', name=op.f('ck_assessments_period_range')),
    sa.CheckConstraint('statutory_due_date <= due_date', name=op.f('ck_assessments_statutory_before_due')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_assessments_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments')),
    sa.UniqueConstraint('notice_no', 'period', name=op.f('uq_assessments_notice_no_period'))
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index('ix_assessments_due_date', ['due_date'], unique=False)
        batch_op.create_index('ix_assessments_taxpayer_id', ['taxpayer_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('source_key', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reverses_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('notice_no', sa.String(length=30), nullable=True),
    sa.Column('period', sa.Integer(), nullable=True),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('allocated_amount', sa.BigInteger(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('accounted_on', sa.Date(), nullable=False),
    sa.Column('batch_id', sa.String(length=64), nullable=True),
    sa.Column('operator', sa.String(length=64), nullable=False),
    sa.Column('terminal', sa.String(length=64), nullable=True),
    sa.Column('bank_code', sa.String(length=4), nullable=True),
    sa.Column('branch_code', sa.String(length=3), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'reversal') = (reverses_id is not null)", name=op.f('ck_payments_reversal_links_original')),
    sa.CheckConstraint("kind in ('receipt', 'reversal')", name=op.f('ck_payments_kind_known')),
    sa.CheckConstraint('allocated_amount >= 0 and allocated_amount <= amount', name=op.f('ck_payments_allocated_within_amount')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['reverses_id'], ['payments.id'], name=op.f('fk_payments_reverses_id_payments')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_payments_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_payments_reverses_id')),
    sa.UniqueConstraint('source_key', name=op.f('uq_payments_source_key'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_notice', ['notice_no', 'period'], unique=False)
        batch_op.create_index('ix_payments_taxpayer_id', ['taxpayer_id'], unique=False)

    op.create_table('taxpayer_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('snapshot_ct', sa.LargeBinary(), nullable=False),
    sa.Column('enc_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_taxpayer_history_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taxpayer_history')),
    sa.UniqueConstraint('taxpayer_id', 'version', name=op.f('uq_taxpayer_history_taxpayer_id_version'))
    )
    op.create_table('transfer_accounts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('bank_code', sa.String(length=4), nullable=False),
    sa.Column('branch_code', sa.String(length=3), nullable=False),
    sa.Column('account_type', sa.String(length=1), nullable=False),
    sa.Column('account_no_ct', sa.LargeBinary(), nullable=False),
    sa.Column('holder_kana_ct', sa.LargeBinary(), nullable=False),
    sa.Column('tax_codes', sa.String(length=40), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('enc_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("account_type in ('1', '2')", name=op.f('ck_transfer_accounts_account_type_known')),
    sa.CheckConstraint("status in ('active', 'ended')", name=op.f('ck_transfer_accounts_status_known')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_transfer_accounts_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_accounts'))
    )
    with op.batch_alter_table('transfer_accounts', schema=None) as batch_op:
        batch_op.create_index('ix_transfer_accounts_taxpayer_id', ['taxpayer_id'], unique=False)

    op.create_table('allocations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('component', sa.String(length=12), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('policy_version', sa.String(length=20), nullable=False),
    sa.Column('allocated_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("component in ('honzei', 'entaikin', 'dunning_fee')", name=op.f('ck_allocations_component_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_allocations_amount_positive')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_allocations_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_allocations_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocations'))
    )
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.create_index('ix_allocations_assessment_id', ['assessment_id'], unique=False)
        batch_op.create_index('ix_allocations_payment_id', ['payment_id'], unique=False)

    op.create_table('assessment_amendments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amended_on', sa.Date(), nullable=False),
    sa.Column('old_amount', sa.BigInteger(), nullable=False),
    sa.Column('new_amount', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('old_amount >= 0 and new_amount >= 0', name=op.f('ck_assessment_amendments_amounts_nonneg')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_assessment_amendments_assessment_id_assessments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_amendments'))
    )
    with op.batch_alter_table('assessment_amendments', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_amendments_assessment_id', ['assessment_id'], unique=False)

    op.create_table('overpayments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('cause', sa.String(length=12), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('remaining', sa.BigInteger(), nullable=False),
    sa.Column('arisen_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_overpayments_amount_positive')),
    sa.CheckConstraint('remaining >= 0 and remaining <= amount', name=op.f('ck_overpayments_remaining_within_amount')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_overpayments_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_overpayments_payment_id_payments')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_overpayments_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_overpayments'))
    )
    with op.batch_alter_table('overpayments', schema=None) as batch_op:
        batch_op.create_index('ix_overpayments_taxpayer_id', ['taxpayer_id'], unique=False)

    op.create_table('suspense_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status in ('open', 'resolved')", name=op.f('ck_suspense_items_status_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_suspense_items_amount_positive')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_suspense_items_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suspense_items')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_suspense_items_payment_id'))
    )


    op.bulk_insert(
        sa.table('audit_head', sa.column('id', sa.Integer), sa.column('seq', sa.BigInteger), sa.column('hash', sa.String)),
        [{'id': 1, 'seq': 0, 'hash': '0' * 64}],
    )


def downgrade() -> None:
    op.drop_table('suspense_items')
    with op.batch_alter_table('overpayments', schema=None) as batch_op:
        batch_op.drop_index('ix_overpayments_taxpayer_id')

    op.drop_table('overpayments')
    with op.batch_alter_table('assessment_amendments', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_amendments_assessment_id')

    op.drop_table('assessment_amendments')
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_index('ix_allocations_payment_id')
        batch_op.drop_index('ix_allocations_assessment_id')

    op.drop_table('allocations')
    with op.batch_alter_table('transfer_accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_transfer_accounts_taxpayer_id')

    op.drop_table('transfer_accounts')
    op.drop_table('taxpayer_history')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_taxpayer_id')
        batch_op.drop_index('ix_payments_notice')

    op.drop_table('payments')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_assessments_taxpayer_id')
        batch_op.drop_index('ix_assessments_due_date')

    op.drop_table('assessments')
    with op.batch_alter_table('taxpayers', schema=None) as batch_op:
        batch_op.drop_index('ix_taxpayers_enc_version')
        batch_op.drop_index('ix_taxpayers_bi_phone')
        batch_op.drop_index('ix_taxpayers_bi_my_number')
        batch_op.drop_index('ix_taxpayers_bi_kana_surname_birth')
        batch_op.drop_index('ix_taxpayers_bi_kana_surname')
        batch_op.drop_index('ix_taxpayers_bi_kana_name')
        batch_op.drop_index('ix_taxpayers_bi_birth_date')

    op.drop_table('taxpayers')
    op.drop_table('settings')
    op.drop_table('key_versions')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_user_id')
        batch_op.drop_index('ix_audit_events_occurred_at')

    op.drop_table('audit_events')
