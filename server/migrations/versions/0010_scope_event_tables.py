"""sync_scope_events.tables: an eviction of some of a customer's tables only

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 12:00:00

A rep who stops being a customer's owner but keeps a share of it, or a manager who sees
a customer only through a share after a team move, keeps the customer and loses its
personal data. Their phones now hear "evict contact_personal of this customer" instead
of keeping it: the event names the tables (NULL, as before: the whole customer).
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_scope_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tables', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('sync_scope_events', schema=None) as batch_op:
        batch_op.drop_column('tables')
