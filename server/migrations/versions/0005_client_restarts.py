"""sync_clients: where each phone's download from 0 began, and below which cursors restart

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:30:00

``download_from``: the head when the phone's latest download from cursor 0 began. Its
pages pass through cursors below the pruned seq; they must not be sent back to 0 (the
phone never held what was pruned). ``restart_below``: a change of everything the user
sees (a role to or from admin) sends cursors below it back to 0.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('download_from', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('restart_below', sa.BigInteger(), nullable=False,
                                      server_default='0'))


def downgrade():
    with op.batch_alter_table('sync_clients', schema=None) as batch_op:
        batch_op.drop_column('restart_below')
        batch_op.drop_column('download_from')
