"""assessments.honzei_paid: the 本税 paid on each period, kept by the database itself

Every batch that looks for unpaid periods (督促, 督促漏れ, 滞納案件, the 滞納 report,
延滞金 over all unpaid periods) summed the whole allocations table first — at a
million taxpayers, tens of millions of rows. The column holds that sum per
period; triggers on ``allocations`` keep it (any insert, delete or update, from
any code path), and a partial index lists the active periods still unpaid.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

from storage.paid import create_paid_triggers, drop_paid_triggers, recompute_paid

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_UNPAID = "honzei_paid < assessed_amount AND status = 'active'"


def upgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('honzei_paid', sa.BigInteger(), nullable=False, server_default='0'))
    conn = op.get_bind()
    recompute_paid(conn)
    create_paid_triggers(conn)
    op.create_index('ix_assessments_unpaid', 'assessments', ['due_date'], unique=False,
                    sqlite_where=sa.text(_UNPAID), postgresql_where=sa.text(_UNPAID))


def downgrade() -> None:
    op.drop_index('ix_assessments_unpaid', table_name='assessments')
    drop_paid_triggers(op.get_bind())
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('honzei_paid')
