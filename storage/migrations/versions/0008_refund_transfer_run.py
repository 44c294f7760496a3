"""refunds.transfer_run: which 総合振込 file (its SHA-256) paid each refund, so a lost
file can be rebuilt for exactly that run

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transfer_run', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_refunds_transfer_run', ['transfer_run'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index('ix_refunds_transfer_run')
        batch_op.drop_column('transfer_run')
