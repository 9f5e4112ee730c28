"""books: the practice's book settings (chart, basis, DATEV numbers, accounts)

Revision ID: 0006_book_settings
Revises: 0003
Create Date: 2026-12-05 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db.types

revision = '0006_book_settings'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('booksettings',
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('chart', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('consultant_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('client_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('fiscal_year_start', sa.Integer(), nullable=False),
    sa.Column('accounts', sa.JSON(), nullable=False),
    sa.Column('updated_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], ),
    sa.PrimaryKeyConstraint('practice_id')
    )


def downgrade() -> None:
    op.drop_table('booksettings')
