"""refunds and appropriations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appropriations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('overpayment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('kasankin', sa.BigInteger(), nullable=False),
    sa.Column('appropriated_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint('amount > 0 and kasankin >= 0', name=op.f('ck_appropriations_amounts_valid')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_appropriations_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['overpayment_id'], ['overpayments.id'], name=op.f('fk_appropriations_overpayment_id_overpayments')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_appropriations_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appropriations')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_appropriations_payment_id'))
    )
    with op.batch_alter_table('appropriations', schema=None) as batch_op:
        batch_op.create_index('ix_appropriations_assessment_id', ['assessment_id'], unique=False)
        batch_op.create_index('ix_appropriations_overpayment_id', ['overpayment_id'], unique=False)

    op.create_table('refunds',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('overpayment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('kasankin', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('bank_code', sa.String(length=4), nullable=True),
    sa.Column('branch_code', sa.String(length=3), nullable=True),
    sa.Column('account_type', sa.String(length=1), nullable=True),
    sa.Column('account_no_ct', sa.LargeBinary(), nullable=True),
    sa.Column('holder_kana_ct', sa.LargeBinary(), nullable=True),
    sa.Column('payee_ct', sa.LargeBinary(), nullable=True),
    sa.Column('pay_on', sa.Date(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('notified_on', sa.Date(), nullable=True),
    sa.Column('drafted_by', sa.String(length=64), nullable=False),
    sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason_ct', sa.LargeBinary(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('enc_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(state = 'notified') = (notified_on is not null)", name=op.f('ck_refunds_notified_has_date')),
    sa.CheckConstraint("(state in ('drafted', 'cancelled')) or (approved_by is not null and decided_on is not null)", name=op.f('ck_refunds_approved_states_have_approver')),
    sa.CheckConstraint("(state in ('paid', 'notified')) = (paid_on is not null)", name=op.f('ck_refunds_paid_has_date')),
    sa.CheckConstraint("method = 'cash' or (bank_code is not null and branch_code is not null and account_type is not null and account_no_ct is not null and holder_kana_ct is not null)", name=op.f('ck_refunds_transfer_has_account')),
    sa.CheckConstraint("method in ('registered', 'submitted', 'koukin', 'cash')", name=op.f('ck_refunds_method_known')),
    sa.CheckConstraint("state in ('drafted', 'approved', 'paid', 'notified', 'cancelled')", name=op.f('ck_refunds_state_known')),
    sa.CheckConstraint('amount >= 0 and kasankin >= 0 and amount + kasankin > 0', name=op.f('ck_refunds_amounts_valid')),
    sa.CheckConstraint('approved_by is null or approved_by <> drafted_by', name=op.f('ck_refunds_maker_checker')),
    sa.ForeignKeyConstraint(['overpayment_id'], ['overpayments.id'], name=op.f('fk_refunds_overpayment_id_overpayments')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_refunds_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index('ix_refunds_state_pay_on', ['state', 'pay_on'], unique=False)
        batch_op.create_index('ix_refunds_taxpayer_id', ['taxpayer_id'], unique=False)
        batch_op.create_index('uq_refunds_live_overpayment', ['overpayment_id'], unique=True, sqlite_where=sa.text("state <> 'cancelled'"), postgresql_where=sa.text("state <> 'cancelled'"))

    with op.batch_alter_table('overpayments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('correction_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('paid_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('overpayments', schema=None) as batch_op:
        batch_op.drop_column('due_on')
        batch_op.drop_column('paid_on')
        batch_op.drop_column('correction_on')
        batch_op.drop_column('request_on')

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index('uq_refunds_live_overpayment', sqlite_where=sa.text("state <> 'cancelled'"), postgresql_where=sa.text("state <> 'cancelled'"))
        batch_op.drop_index('ix_refunds_taxpayer_id')
        batch_op.drop_index('ix_refunds_state_pay_on')

    op.drop_table('refunds')
    with op.batch_alter_table('appropriations', schema=None) as batch_op:
        batch_op.drop_index('ix_appropriations_overpayment_id')
        batch_op.drop_index('ix_appropriations_assessment_id')

    op.drop_table('appropriations')
