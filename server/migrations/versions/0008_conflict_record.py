"""conflicts.record: a deleted record's last values, kept with its delete conflict

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00

Re-creating a deleted record from the conflicts screen sent only the fields in the
conflict, and the server refused the incomplete record. The delete conflict now keeps
the record's last device-writable values, so the phone can send a complete one.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record', JSON, nullable=True))


def downgrade():
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.drop_column('record')
