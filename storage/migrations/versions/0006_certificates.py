"""certificates: 納税証明書の発行記録 (applicant, identity check, purpose)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('certificates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('taxpayer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('fiscal_years', sa.String(length=60), nullable=False),
    sa.Column('applicant_kind', sa.String(length=8), nullable=False),
    sa.Column('applicant_name_ct', sa.LargeBinary(), nullable=False),
    sa.Column('purpose_ct', sa.LargeBinary(), nullable=False),
    sa.Column('id_document', sa.String(length=16), nullable=False),
    sa.Column('checked_by', sa.String(length=64), nullable=False),
    sa.Column('terminal', sa.String(length=64), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('enc_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("applicant_kind in ('self', 'agent')", name=op.f('ck_certificates_applicant_kind_known')),
    sa.CheckConstraint("id_document in ('mynumber_card', 'driver_license', 'passport', 'residence_card', 'insurance_card', 'other')", name=op.f('ck_certificates_id_document_known')),
    sa.CheckConstraint("kind in ('nozei', 'kanno', 'mitai')", name=op.f('ck_certificates_kind_known')),
    sa.ForeignKeyConstraint(['taxpayer_id'], ['taxpayers.id'], name=op.f('fk_certificates_taxpayer_id_taxpayers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates'))
    )
    op.create_index('ix_certificates_taxpayer_id', 'certificates', ['taxpayer_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_certificates_taxpayer_id', table_name='certificates')
    op.drop_table('certificates')
