"""auth_sessions: one row per sign-in, so refresh tokens rotate and slide; users.sessions_valid_after

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00

A refresh token kept its expiry from sign-in, so a rep a fortnight offline had to sign
in again. Each sign-in is now a session: every refresh answers a new refresh token and
moves the session's expiry on, and a refresh token presented after it was replaced
(outside a short grace) ends the session, as a copied token would be. Password changes
and deactivations end a user's sessions; ``sessions_valid_after`` also refuses tokens
issued without a session before this revision.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auth_sessions',
                    sa.Column('id', sa.String(length=36), nullable=False),
                    sa.Column('user_id', sa.String(length=36), nullable=False),
                    sa.Column('current_jti', sa.String(length=64), nullable=False),
                    sa.Column('previous_jti', sa.String(length=64), nullable=True),
                    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
                    sa.Column('revoked_reason', sa.String(length=16), nullable=True),
                    sa.ForeignKeyConstraint(['user_id'], ['users.id']),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_sessions_user_id'), ['user_id'],
                              unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sessions_valid_after', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('sessions_valid_after')
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_sessions_user_id'))
    op.drop_table('auth_sessions')
