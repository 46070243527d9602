"""login_throttle and rate_limit_counters: sign-in throttling every worker and node shares; users.failed_logins and users.locked_until go

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 10:00:00

After 10 failures a real account answered 423 while an unknown email answered 401 for
ever (which told who has an account), and anyone could lock any rep out for 15 minutes.
Failed sign-ins now slow the next ones down per email (known or not) and per address,
in ``login_throttle``; the per-address rate limit, which each gunicorn worker counted in
its own memory, is counted in ``rate_limit_counters`` when no Redis is configured. The
per-user lockout columns are no longer used.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttle',
                    sa.Column('scope', sa.String(length=8), nullable=False),
                    sa.Column('key', sa.String(length=254), nullable=False),
                    sa.Column('failures', sa.Integer(), nullable=False),
                    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
                    sa.PrimaryKeyConstraint('scope', 'key'))
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttle_last_failure_at'),
                              ['last_failure_at'], unique=False)
    op.create_table('rate_limit_counters',
                    sa.Column('key', sa.String(length=255), nullable=False),
                    sa.Column('count', sa.Integer(), nullable=False),
                    sa.Column('expires_at', sa.Float(), nullable=False),
                    sa.PrimaryKeyConstraint('key'))
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counters_expires_at'),
                              ['expires_at'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counters_expires_at'))
    op.drop_table('rate_limit_counters')
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttle_last_failure_at'))
    op.drop_table('login_throttle')
