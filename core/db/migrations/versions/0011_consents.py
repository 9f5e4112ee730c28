"""consents: Consent table (date, scope, form location, revocation); invoice/patient consent_date moved into it

Every imported `Einwilligung am` (invoice.consent_date) becomes a consent for that invoice, so it
keeps counting as consent to collection by 1159 Finance. patient.consent_date was a copy of the
last imported row's date that no rule read; it is dropped.

Revision ID: 0011_consents
Revises: 0010_login_sessions
Create Date: 2026-12-05 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db.types


revision = '0011_consents'
down_revision = '0010_login_sessions'
branch_labels = None
depends_on = None

SCOPE = 'Inkasso durch 1159 Finance'


def upgrade() -> None:
    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('form_location', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recorded_at', core.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revoked_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('revoked_at', core.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index('ix_consent_patient', ['patient_id', 'given_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_practice_id'), ['practice_id'], unique=False)
    op.execute(
        sa.text(
            "INSERT INTO consent (practice_id, patient_id, invoice_id, given_on, scope, form_location, "
            "source, recorded_by, recorded_at, revoked_by) "
            "SELECT practice_id, patient_id, id, consent_date, :scope, '', 'import', 'Import', "
            "updated_at, '' FROM invoice WHERE consent_date IS NOT NULL"
        ).bindparams(scope=SCOPE)
    )
    # In place (SQLite >= 3.35 drops a plain column): recreating invoice or patient would trip
    # the foreign keys the consents now hold on them.
    with op.batch_alter_table('invoice', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('consent_date')
    with op.batch_alter_table('patient', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('consent_date')


def downgrade() -> None:
    with op.batch_alter_table('patient', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('consent_date', sa.Date(), nullable=True))
    with op.batch_alter_table('invoice', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('consent_date', sa.Date(), nullable=True))
    # Back to one date per invoice: its newest consent in force (a revoked one is no consent).
    op.execute(
        "UPDATE invoice SET consent_date = (SELECT MAX(c.given_on) FROM consent c "
        "WHERE c.patient_id = invoice.patient_id AND (c.invoice_id IS NULL OR c.invoice_id = invoice.id) "
        "AND c.revoked_on IS NULL)"
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_practice_id'))
        batch_op.drop_index(batch_op.f('ix_consent_invoice_id'))
        batch_op.drop_index('ix_consent_patient')
    op.drop_table('consent')
