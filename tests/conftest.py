"""Shared fixtures: an app per test on a fresh database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), a demo-like organisation, and real logins.

No test bypasses authentication: ``auth.headers(user)`` logs in through the API.
"""

import os
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from server import create_app
from server.extensions import db, sync_tables
from server.models import Team, User
from server.passwords import hash_password

PASSWORD = "correct horse battery"
# Argon2 is slow on purpose; hash the shared test password once per run.
PASSWORD_HASH = hash_password(PASSWORD)

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.nodeid.split("/")[1:2]:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def postgres_engine():
    url = os.environ["TEST_DATABASE_URL"]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    db.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _reset_postgres(engine):
    names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(sa.insert(sync_tables.state).values(id=1, seq=0, pruned_seq=0))


def database_url(request, tmp_path):
    if request.param == "postgresql":
        _reset_postgres(request.getfixturevalue("postgres_engine"))
        return os.environ["TEST_DATABASE_URL"]
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    url = database_url(request, tmp_path)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "test-secret-key-for-the-test-suite-only-0123456789"})
    with app.app_context():
        if request.param == "sqlite":
            db.create_all()
            db.session.execute(sa.insert(sync_tables.state).values(id=1, seq=0, pruned_seq=0))
            db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def add_user(email, role, team=None, name=None):
    user = User(email=email, name=name or email.split("@")[0], role=role,
                team_id=team.id if team else None, password_hash=PASSWORD_HASH)
    db.session.add(user)
    db.session.flush()
    return user


@dataclass
class Org:
    """Two teams. Team A: manager ``manager``, reps ``rep1`` and ``rep2``.
    Team B: manager ``manager_b``, rep ``rep_b``. Plus an ``admin``."""

    admin: User
    manager: User
    rep1: User
    rep2: User
    manager_b: User
    rep_b: User
    team_a: Team
    team_b: Team


@pytest.fixture
def org(app):
    team_a, team_b = Team(name="East"), Team(name="West")
    db.session.add_all([team_a, team_b])
    db.session.flush()
    admin = add_user("admin@test", "admin")
    manager = add_user("manager@test", "manager", team_a)
    manager_b = add_user("manager_b@test", "manager", team_b)
    team_a.manager_id, team_b.manager_id = manager.id, manager_b.id
    rep1 = add_user("rep1@test", "rep", team_a)
    rep2 = add_user("rep2@test", "rep", team_a)
    rep_b = add_user("rep_b@test", "rep", team_b)
    db.session.commit()
    return Org(admin, manager, rep1, rep2, manager_b, rep_b, team_a, team_b)


class Auth:
    """Real logins through the API; tokens cached per user for the test."""

    def __init__(self, client):
        self.client = client
        self._tokens = {}

    def login(self, user, password=PASSWORD):
        response = self.client.post("/api/v1/auth/login",
                                    json={"email": user.email, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def headers(self, user):
        if user.id not in self._tokens:
            self._tokens[user.id] = self.login(user)["access_token"]
        return {"Authorization": f"Bearer {self._tokens[user.id]}"}


@pytest.fixture
def auth(client):
    return Auth(client)
