"""Backup and restore round trips (docs/backup.md): seed the demo data through the real
commands, back up, wipe, restore, and compare every table and a sync checksum."""

import os

import pytest
import sqlalchemy as sa

from reliability import backup
from reliability.env import Database, postgres_available
from sync.client import SyncClient
from tests.sync_helpers import FlaskTransport

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _checksum(database):
    """A phone's full download of rep1@demo: its checksum and count."""
    from server import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database.url,
                      "SECRET_KEY": "backup-test-secret-0123456789-0123456789"})
    phone = SyncClient("http://test", "rep1@demo", "fieldbook-demo",
                       transport=FlaskTransport(app.test_client()))
    page = phone.pull()
    assert page["checksum"] == phone.checksum()
    with app.app_context():
        from server.extensions import db
        db.engine.dispose()
    return page["checksum"], page["count"]


@pytest.fixture(params=BACKENDS)
def seeded(request, tmp_path):
    if request.param == "postgresql" and not postgres_available():
        pytest.skip("PostgreSQL not reachable")
    database = (Database.sqlite(str(tmp_path)) if request.param == "sqlite"
                else Database.postgresql("backup"))
    try:
        database.prepare(0, seed=True)
        yield database
    finally:
        database.drop()


def test_backup_wipe_restore_round_trip(seeded, tmp_path):
    engine = seeded.engine()
    checksum = _checksum(seeded)  # a phone's first pull leaves its sync_clients row
    before = backup.snapshot(engine)
    assert len(before["customers"]) > 10 and len(before["contact_personal"]) > 0
    assert len(before["sync_clients"]) == 1
    path = str(tmp_path / "fieldbook.backup")
    if seeded.kind == "sqlite":
        backup.backup_sqlite(seeded.path, path)
    else:
        backup.backup_postgresql(seeded.url, path)
    backup.wipe(engine)
    engine.dispose()
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == []
    if seeded.kind == "sqlite":
        backup.restore_sqlite(path, seeded.path)
    else:
        backup.restore_postgresql(path, seeded.url)
    engine.dispose()
    assert backup.snapshot(engine) == before
    assert _checksum(seeded) == checksum
