"""practice details: tax number and IBAN (Praxisdaten)

A real practice is set up with its own data (`inkasso practice setup`, the dashboard's first
start); the tax number and the bank account join name, address, mail address and phone.

Revision ID: 0005_practice_details
Revises: 0003
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005_practice_details'
down_revision = '0004_invoice_recipient'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tax_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('iban', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default='')
        )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35 has it): batch mode would copy and drop the
    # practice table, which every other table references, and SQLite's foreign keys refuse that.
    op.drop_column('practice', 'iban')
    op.drop_column('practice', 'tax_number')
