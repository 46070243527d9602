"""teams.manager_id foreign key

0001 declared it with use_alter=True inside create_table, where it is skipped on
databases that support ALTER (PostgreSQL): add it there. SQLite created it inline.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _has_fk(bind):
    return any(fk["name"] == "fk_teams_manager_id"
               for fk in sa.inspect(bind).get_foreign_keys("teams"))


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" and not _has_fk(bind):
        op.create_foreign_key("fk_teams_manager_id", "teams", "users", ["manager_id"], ["id"])


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" and _has_fk(bind):
        op.drop_constraint("fk_teams_manager_id", "teams", type_="foreignkey")
