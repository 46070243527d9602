"""visit_plans (synced 拜访计划) and visits.plan_id, the plan a visit carried out

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00

A rep (or their manager for them) plans visits; a visit logged from a plan keeps its
link and marks the plan done (server/visit_plans.py).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('visit_plans',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('rep_id', sa.String(length=36), nullable=False),
    sa.Column('contact_ids', JSON, nullable=False),
    sa.Column('planned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('type', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('field_versions', JSON, nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['rep_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visit_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_plans_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_plans_planned_at'), ['planned_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_plans_rep_id'), ['rep_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_plans_seq'), ['seq'], unique=False)

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_visits_plan_id'), ['plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_plan_id'))
        batch_op.drop_column('plan_id')

    with op.batch_alter_table('visit_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_plans_seq'))
        batch_op.drop_index(batch_op.f('ix_visit_plans_rep_id'))
        batch_op.drop_index(batch_op.f('ix_visit_plans_planned_at'))
        batch_op.drop_index(batch_op.f('ix_visit_plans_customer_id'))

    op.drop_table('visit_plans')
