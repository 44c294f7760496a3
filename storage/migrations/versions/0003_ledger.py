"""ledger: dunning, deferrals, import batches, account-transfer runs, signed allocations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches')),
    sa.UniqueConstraint('kind', 'sha256', name=op.f('uq_import_batches_kind_sha256'))
    )
    op.create_table('transfer_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('debit_on', sa.Date(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('request_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('result_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('resulted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status in ('requested', 'resulted')", name=op.f('ck_transfer_runs_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_runs')),
    sa.UniqueConstraint('debit_on', name=op.f('uq_transfer_runs_debit_on'))
    )
    op.create_table('deferrals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('choshu', 'kanka')", name=op.f('ck_deferrals_kind_known')),
    sa.CheckConstraint("status in ('active', 'cancelled')", name=op.f('ck_deferrals_status_known')),
    sa.CheckConstraint('end_on >= start_on', name=op.f('ck_deferrals_term_ordered')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_deferrals_assessment_id_assessments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deferrals'))
    )
    with op.batch_alter_table('deferrals', schema=None) as batch_op:
        batch_op.create_index('ix_deferrals_assessment_id', ['assessment_id'], unique=False)

    op.create_table('dunnings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('designated_on', sa.Date(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('honzei_due', sa.BigInteger(), nullable=False),
    sa.Column('delivery', sa.String(length=14), nullable=False),
    sa.Column('delivery_on', sa.Date(), nullable=True),
    sa.Column('batch_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("delivery in ('pending', 'delivered', 'returned', 'public_notice')", name=op.f('ck_dunnings_delivery_known')),
    sa.CheckConstraint('designated_on > issued_on', name=op.f('ck_dunnings_designated_after_issue')),
    sa.CheckConstraint('fee >= 0 and honzei_due > 0', name=op.f('ck_dunnings_amounts_valid')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_dunnings_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_dunnings_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunnings')),
    sa.UniqueConstraint('assessment_id', name=op.f('uq_dunnings_assessment_id'))
    )
    with op.batch_alter_table('dunnings', schema=None) as batch_op:
        batch_op.create_index('ix_dunnings_batch_on', ['batch_on'], unique=False)
        batch_op.create_index('ix_dunnings_taxpayer_id', ['taxpayer_id'], unique=False)

    op.create_table('transfer_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_no', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('result_code', sa.String(length=1), nullable=True),
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_transfer_items_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['transfer_accounts.id'], name=op.f('fk_transfer_items_account_id_transfer_accounts')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_transfer_items_assessment_id_assessments')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_transfer_items_payment_id_payments')),
    sa.ForeignKeyConstraint(['run_id'], ['transfer_runs.id'], name=op.f('fk_transfer_items_run_id_transfer_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_items')),
    sa.UniqueConstraint('customer_no', name=op.f('uq_transfer_items_customer_no')),
    sa.UniqueConstraint('run_id', 'assessment_id', name=op.f('uq_transfer_items_run_id_assessment_id'))
    )
    with op.batch_alter_table('transfer_items', schema=None) as batch_op:
        batch_op.create_index('ix_transfer_items_assessment_id', ['assessment_id'], unique=False)

    # Reversals (取消) and releases (減額更正) become negative entries.
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry', sa.String(length=10), nullable=False, server_default='allocate'))
        batch_op.drop_constraint(op.f('ck_allocations_amount_positive'), type_='check')
        batch_op.create_check_constraint('entry_known', "entry in ('allocate', 'reversal', 'release')")
        batch_op.create_check_constraint('amount_signed', "(entry = 'allocate') = (amount > 0) and amount <> 0")
    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.alter_column('entry', server_default=None)

    with op.batch_alter_table('suspense_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_suspense_items_assessment_id_assessments'), 'assessments', ['assessment_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('suspense_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_suspense_items_assessment_id_assessments'), type_='foreignkey')
        batch_op.drop_column('note')
        batch_op.drop_column('assessment_id')

    with op.batch_alter_table('allocations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_allocations_amount_signed'), type_='check')
        batch_op.drop_constraint(op.f('ck_allocations_entry_known'), type_='check')
        batch_op.drop_column('entry')
        batch_op.create_check_constraint('amount_positive', 'amount > 0')

    with op.batch_alter_table('transfer_items', schema=None) as batch_op:
        batch_op.drop_index('ix_transfer_items_assessment_id')

    op.drop_table('transfer_items')
    with op.batch_alter_table('dunnings', schema=None) as batch_op:
        batch_op.drop_index('ix_dunnings_taxpayer_id')
        batch_op.drop_index('ix_dunnings_batch_on')

    op.drop_table('dunnings')
    with op.batch_alter_table('deferrals', schema=None) as batch_op:
        batch_op.drop_index('ix_deferrals_assessment_id')

    op.drop_table('deferrals')
    op.drop_table('transfer_runs')
    op.drop_table('import_batches')
