"""payment ledger: where a payment came from, what shows it, who confirmed it; recognised payments
(and the chat note that offers buttons for one)

Revision ID: 0008_payment_ledger
Revises: 0007_worker_problems
Create Date: 2026-12-05 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db.types


revision = '0008_payment_ledger'
down_revision = '0007_worker_problems'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('confirmed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('in_export', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
    op.create_table('paymentsuggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', core.db.types.Cents(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('confidence', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('payer', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('transaction_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('decided_at', core.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], ),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], ),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('practice_id', 'transaction_key')
    )
    with op.batch_alter_table('paymentsuggestion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paymentsuggestion_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paymentsuggestion_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paymentsuggestion_state'), ['state'], unique=False)


def downgrade() -> None:
    op.drop_table('paymentsuggestion')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('subject_id')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_column('in_export')
        batch_op.drop_column('confirmed_by')
        batch_op.drop_column('evidence')
        batch_op.drop_column('origin')
