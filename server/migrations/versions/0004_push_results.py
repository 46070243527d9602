"""sync_results: one row of stored results per push (was one row per mutation)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 19:45:00

A push's results are written and read together (a replay asks for a whole push), so
they are stored together: one INSERT per push instead of one row per mutation. Results
already stored become one-mutation rows, so a phone replaying an old push still hears
the answers it missed.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
BATCH = 1000


def upgrade():
    results = op.create_table(
        'sync_results',
        sa.Column('client_id', sa.String(length=64), nullable=False),
        sa.Column('last_mutation_id', sa.BigInteger(), nullable=False),
        sa.Column('first_mutation_id', sa.BigInteger(), nullable=False),
        sa.Column('results', JSON, nullable=False),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('client_id', 'last_mutation_id'))
    old = sa.table('sync_mutations', sa.column('client_id'), sa.column('mutation_id'),
                   sa.column('result', JSON),
                   sa.column('processed_at', sa.DateTime(timezone=True)))
    conn = op.get_bind()
    rows = conn.execute(sa.select(old).order_by(old.c.client_id, old.c.mutation_id))
    while batch := rows.fetchmany(BATCH):
        op.bulk_insert(results, [
            {'client_id': row.client_id, 'first_mutation_id': row.mutation_id,
             'last_mutation_id': row.mutation_id, 'results': [row.result],
             'processed_at': row.processed_at} for row in batch])
    op.drop_table('sync_mutations')


def downgrade():
    mutations = op.create_table(
        'sync_mutations',
        sa.Column('client_id', sa.String(length=64), nullable=False),
        sa.Column('mutation_id', sa.BigInteger(), nullable=False),
        sa.Column('result', JSON, nullable=False),
        sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('client_id', 'mutation_id'))
    new = sa.table('sync_results', sa.column('client_id'), sa.column('results', JSON),
                   sa.column('processed_at', sa.DateTime(timezone=True)))
    conn = op.get_bind()
    rows = conn.execute(sa.select(new))
    while batch := rows.fetchmany(BATCH):
        op.bulk_insert(mutations, [
            {'client_id': row.client_id, 'mutation_id': result['id'], 'result': result,
             'processed_at': row.processed_at} for row in batch for result in row.results])
    op.drop_table('sync_results')
