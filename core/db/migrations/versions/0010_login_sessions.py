"""login sessions: LoginSession table (dashboard logins kept across reloads, ended by logging out)

Revision ID: 0010_login_sessions
Revises: 0007_worker_problems
Create Date: 2026-12-05 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db.types


revision = '0010_login_sessions'
down_revision = '0009_bank_transactions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loginsession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', core.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('loginsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loginsession_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loginsession_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('loginsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginsession_user_id'))
        batch_op.drop_index(batch_op.f('ix_loginsession_practice_id'))
    op.drop_table('loginsession')
