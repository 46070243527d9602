"""leads (synced): a person met in the field, qualified into a customer or disqualified

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:30:00

A lead belongs to no customer: it is its own scope key (as a customer is), seen by its
owner, the owner's manager and admins. Qualifying it links the customer, contact and
opportunity it became (plain ids: a phone pushes them in any order).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table(
        'leads',
        sa.Column('owner_id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('company', sa.String(length=200), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('disqualify_reason', sa.Text(), nullable=False),
        sa.Column('qualified_customer_id', sa.String(length=36), nullable=True),
        sa.Column('qualified_contact_id', sa.String(length=36), nullable=True),
        sa.Column('qualified_opportunity_id', sa.String(length=36), nullable=True),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('field_versions', JSON, nullable=False),
        sa.Column('deleted', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=36), nullable=True),
        sa.Column('updated_by', sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leads_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_qualified_customer_id'),
                              ['qualified_customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leads_seq'), ['seq'], unique=False)


def downgrade():
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leads_seq'))
        batch_op.drop_index(batch_op.f('ix_leads_qualified_customer_id'))
        batch_op.drop_index(batch_op.f('ix_leads_owner_id'))
    op.drop_table('leads')
