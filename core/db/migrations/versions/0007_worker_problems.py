"""worker problems: WorkerProblem table (a peer refusing the worker's credentials, one row per peer)

Revision ID: 0007_worker_problems
Revises: 0003
Create Date: 2026-12-05 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db.types


revision = '0007_worker_problems'
down_revision = '0006_book_settings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workerproblem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('since', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('practice_id', 'source')
    )
    with op.batch_alter_table('workerproblem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workerproblem_practice_id'), ['practice_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('workerproblem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workerproblem_practice_id'))
    op.drop_table('workerproblem')
