"""bank transactions: BankTransaction table (bank statement bookings, once per practice and key)

Revision ID: 0009_bank_transactions
Revises: 0007_worker_problems
Create Date: 2026-12-05 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db.types


revision = '0009_bank_transactions'
down_revision = '0008_payment_ledger'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('banktransaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('value_on', sa.Date(), nullable=True),
    sa.Column('amount', core.db.types.Cents(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('payer', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('iban', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('remittance', sa.Text(), nullable=False),
    sa.Column('bank_reference', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('end_to_end_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_format', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('matches', sa.JSON(), nullable=False),
    sa.Column('imported_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('practice_id', 'key')
    )
    with op.batch_alter_table('banktransaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_banktransaction_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_banktransaction_booked_on'), ['booked_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('banktransaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_banktransaction_booked_on'))
        batch_op.drop_index(batch_op.f('ix_banktransaction_practice_id'))
    op.drop_table('banktransaction')
