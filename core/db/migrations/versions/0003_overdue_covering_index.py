"""overdue listing: covering index (amount columns and id in ix_invoice_overdue)

Counting and paging the overdue invoices no longer reads every open invoice row: with 100,000
invoices the count went from ~18 ms to ~1 ms on SQLite (bench/bot_bench.py). `id` is there for
PostgreSQL, whose index-only scans need it for the page's ORDER BY due_date, id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 13:45:00
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_OLD = ['practice_id', 'status', 'due_date']
_NEW = ['practice_id', 'status', 'due_date', 'amount', 'paid_before', 'paid_direct', 'id']


def upgrade() -> None:
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_overdue')
        batch_op.create_index('ix_invoice_overdue', _NEW, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_overdue')
        batch_op.create_index('ix_invoice_overdue', _OLD, unique=False)
