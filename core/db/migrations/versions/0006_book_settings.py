"""books: book settings (chart, basis, DATEV numbers, accounts), closed months, kept exports

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
down_revision = '0005_practice_details'
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
    op.create_table('bookmonth',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('month', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('closed_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('practice_id', 'month')
    )
    with op.batch_alter_table('bookmonth', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookmonth_practice_id'), ['practice_id'], unique=False)
    op.create_table('bookexport',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('month', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bookexport', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookexport_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookexport_practice_id'), ['practice_id'], unique=False)


def downgrade() -> None:
    op.drop_table('bookexport')
    op.drop_table('bookmonth')
    op.drop_table('booksettings')
