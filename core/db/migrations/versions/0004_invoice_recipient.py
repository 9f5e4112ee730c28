"""invoice recipient: the invoice's addressee when it is not the patient (the debtor then)

A child's invoice goes to a parent, a ward's to a guardian, some to a company. One row per
invoice at most, written by the import from the export's `Empfänger …` columns.

Revision ID: 0004_invoice_recipient
Revises: 0003
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004_invoice_recipient'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table('invoicerecipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('salutation', text(), nullable=False),
    sa.Column('first_name', text(), nullable=False),
    sa.Column('last_name', text(), nullable=False),
    sa.Column('company', text(), nullable=False),
    sa.Column('street', text(), nullable=False),
    sa.Column('zip', text(), nullable=False),
    sa.Column('city', text(), nullable=False),
    sa.Column('country', text(), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('email', text(), nullable=False),
    sa.Column('phone', text(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], ),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('invoice_id')
    )
    with op.batch_alter_table('invoicerecipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoicerecipient_practice_id'), ['practice_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('invoicerecipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoicerecipient_practice_id'))
    op.drop_table('invoicerecipient')
