"""The migrations build the schema from empty, and match the models exactly."""

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from server import create_app
from server.extensions import db

SECRET = "test-secret-key-for-the-test-suite-only-0123456789"


def _empty_postgres():
    """A scratch database of its own, so the shared test database is left alone."""
    url = sa.make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{url.database}_migrations"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def migrated(request, tmp_path):
    url = _empty_postgres() if request.param == "postgresql" else f"sqlite:///{tmp_path}/m.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_upgrade_from_empty(migrated):
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {table.name for table in db.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables
    state = db.session.execute(sa.text("SELECT id, seq, pruned_seq FROM sync_state")).all()
    assert [tuple(row) for row in state] == [(1, 0, 0)]


def test_models_and_migrations_agree(migrated):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], diff


def test_migrated_database_serves_the_api(migrated):
    client = migrated.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/api/v1/customers")
    assert response.status_code == 401  # the app runs; auth still required


def test_stored_results_survive_the_move_to_one_row_per_push(migrated):
    """0004 turns each stored per-mutation result into a one-mutation push row, so a
    phone replaying a push made before the upgrade still gets its answers; and back."""
    downgrade(revision="0003")
    db.session.execute(sa.text(
        "INSERT INTO sync_mutations (client_id, mutation_id, result, processed_at) VALUES "
        "('phone-0001', 1, '{\"id\": 1, \"status\": \"applied\", \"seq\": 7}', "
        "CURRENT_TIMESTAMP), ('phone-0001', 2, '{\"id\": 2, \"status\": \"rejected\"}', "
        "CURRENT_TIMESTAMP)"))
    db.session.commit()
    upgrade()
    from server.sync_registry import registry
    from sync.push import stored_results

    assert stored_results(db.session, registry, "phone-0001") == {
        1: {"id": 1, "status": "applied", "seq": 7}, 2: {"id": 2, "status": "rejected"}}
    db.session.commit()
    downgrade(revision="0003")
    rows = db.session.execute(sa.text(
        "SELECT mutation_id FROM sync_mutations ORDER BY mutation_id")).scalars().all()
    assert rows == [1, 2]
