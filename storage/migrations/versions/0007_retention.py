"""retention: 保存期間経過データの消去の起案・決裁 (runs and their items)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('retention_runs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('counts', sa.Text(), nullable=False),
    sa.Column('proposed_by', sa.String(length=64), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status in ('proposed', 'purged', 'cancelled')", name=op.f('ck_retention_runs_status_known')),
    sa.CheckConstraint('approved_by is null or approved_by <> proposed_by', name=op.f('ck_retention_runs_maker_checker')),
    sa.CheckConstraint("status <> 'purged' or approved_by is not null", name=op.f('ck_retention_runs_purged_approved')),
    sa.CheckConstraint("status = 'proposed' or decided_at is not null", name=op.f('ck_retention_runs_decided_dated')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs'))
    )
    op.create_table('retention_items',
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind in ('taxpayer', 'certificate', 'taxpayer_history')", name=op.f('ck_retention_items_kind_known')),
    sa.ForeignKeyConstraint(['run_id'], ['retention_runs.id'], name=op.f('fk_retention_items_run_id_retention_runs')),
    sa.PrimaryKeyConstraint('run_id', 'kind', 'record_id', name=op.f('pk_retention_items'))
    )


def downgrade() -> None:
    op.drop_table('retention_items')
    op.drop_table('retention_runs')
