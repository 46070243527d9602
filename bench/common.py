"""Shared pieces: fresh databases, an in-process app, a real gunicorn, an HTTP client
that counts bytes on the wire, and the result lines."""

import gzip
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-not-for-production-0123456789abcdef"
PASSWORD = "bench-password-1"
PG_URL = os.environ.get("BENCH_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/bench_pg")


class Results:
    """Collects figures; prints ``name: value unit (ratio ...)`` as they come."""

    def __init__(self):
        self.figures = {}

    def add(self, name, value, unit, ratio=None, note=None, **extra):
        if isinstance(value, float):
            value = round(value, 3 if abs(value) < 10 else 1)
        line = f"{name}: {value} {unit}"
        tail = []
        if ratio is not None:
            tail.append(f"ratio {ratio}")
        if note:
            tail.append(note)
        if tail:
            line += f" ({', '.join(tail)})"
        print(line, flush=True)
        self.figures[name] = {"value": value, "unit": unit, "ratio": ratio, "note": note,
                              **extra}

    def error(self, name, message):
        print(f"{name}: error ({message})", flush=True)
        self.figures[name] = {"value": None, "unit": None, "error": message}


def postgres_available(url=PG_URL):
    """Can the bench use ``url``? Creates its database when the server has none of
    that name (a fresh machine has only ``postgres`` and ``test``)."""
    for attempt in range(2):
        try:
            engine = sa.create_engine(url)
            with engine.connect():
                pass
            engine.dispose()
            return True
        except Exception:  # noqa: BLE001 - any failure means "not available"
            if attempt or not _create_database(url):
                return False
    return False


def _create_database(url):
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
        return True
    except Exception:  # noqa: BLE001 - no server, or no right to create: not available
        return False
    finally:
        admin.dispose()


@contextmanager
def fresh_database(kind, pg_url=PG_URL):
    """A new empty schema (tables from the models' metadata, sync_state row); yields its URL."""
    from server.extensions import db, sync_tables

    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="fieldbook-bench-") as folder:
            url = f"sqlite:///{folder}/bench.db"
            engine = sa.create_engine(url)
            db.metadata.create_all(engine)
            with engine.begin() as conn:
                conn.execute(sa.insert(sync_tables.state).values(id=1, seq=0, pruned_seq=0))
            engine.dispose()
            yield url
        return
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    db.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(sync_tables.state).values(id=1, seq=0, pruned_seq=0))
    engine.dispose()
    yield pg_url


def make_app(url):
    from server import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                       "LOGIN_RATE_LIMIT": "10000 per minute"})


def add_reps(app, count, prefix="bench-rep"):
    """``count`` reps in one team with the bench password; returns their (id, email)."""
    from server.extensions import db
    from server.models import Team, User
    from server.passwords import hash_password

    with app.app_context():
        team = Team(name=f"Bench {uuid.uuid4().hex[:6]}")
        db.session.add(team)
        db.session.flush()
        password_hash = hash_password(PASSWORD)
        users = []
        for _ in range(count):
            email = f"{prefix}-{uuid.uuid4().hex[:8]}@bench"
            users.append(User(email=email, name=email.split("@")[0], role="rep",
                              team_id=team.id, password_hash=password_hash))
        db.session.add_all(users)
        db.session.commit()
        return [(user.id, user.email) for user in users]


def seed(app, rep_id, customers, contacts=4, visits=10):
    from server.extensions import db
    from server.seed import seed_bulk

    with app.app_context():
        summary = seed_bulk([rep_id], customers, contacts, visits)
        if db.engine.dialect.name == "postgresql":
            # Fresh statistics, as autovacuum would gather after a bulk load: without them
            # the planner takes each freshly loaded table for a handful of rows.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        return summary


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(url, workers=1):
    """A real gunicorn (sync workers) on a free port of 127.0.0.1; yields its base URL."""
    port = free_port()
    # BENCH_APP_ROOT runs another checkout's server and engine (a "before" run from a git
    # worktree) with this checkout's bench code.
    app_root = os.environ.get("BENCH_APP_ROOT", str(ROOT))
    env = {**os.environ, "DATABASE_URL": url, "FIELDBOOK_SECRET_KEY": SECRET,
           "PYTHONPATH": os.pathsep.join([app_root, str(ROOT)])}
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}", "--timeout", "300", "bench.wsgi:app"],
        cwd=app_root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if requests.get(base + "/api/v1/openapi.json", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.time() > deadline:
                raise RuntimeError("gunicorn did not start: " + Path(log.name).read_text()[-2000:])
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        os.unlink(log.name)


class Http:
    """A signed-in device talking JSON to the server, counting gzip bytes on the wire."""

    def __init__(self, base, email, password=PASSWORD, client_id=None):
        self.base = base
        self.session = requests.Session()
        self.client_id = client_id or f"bench-{uuid.uuid4().hex}"
        r = self.session.post(base + "/api/v1/auth/login", json={"email": email,
                                                                  "password": password})
        r.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def post(self, path, body, gzip_request=False):
        """(status, json, request bytes, response bytes as sent, seconds)."""
        data = json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Accept-Encoding": "gzip"}
        if gzip_request:
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
        started = time.perf_counter()
        r = self.session.post(self.base + path, data=data, headers=headers, stream=True)
        raw = r.raw.read(decode_content=False)
        elapsed = time.perf_counter() - started
        if r.headers.get("Content-Encoding") == "gzip":
            payload = gzip.decompress(raw)
        else:
            payload = raw
        return r.status_code, json.loads(payload), len(data), len(raw), elapsed

    def push(self, mutations, gzip_request=False):
        return self.post("/api/v1/sync/push", {"schema_version": 1, "client_id": self.client_id,
                                               "mutations": mutations}, gzip_request)

    def pull(self, cursor, limit=1000, verify=None):
        """``verify`` None leaves the field out (the server's default: checksum sent)."""
        body = {"schema_version": 1, "client_id": self.client_id, "cursor": cursor,
                "limit": limit}
        if verify is not None:
            body["verify"] = verify
        return self.post("/api/v1/sync/pull", body)

    def pull_all(self, cursor=0, limit=1000):
        """Every page from ``cursor``: (records, pages, response bytes, seconds, last page)."""
        records = pages = wire = 0
        started = time.perf_counter()
        while True:
            status, page, _sent, received, _elapsed = self.pull(cursor, limit)
            if status != 200:
                raise RuntimeError(f"pull {status}: {page}")
            records += len(page["changes"])
            pages += 1
            wire += received
            cursor = page["cursor"]
            if not page["more"]:
                return records, pages, wire, time.perf_counter() - started, page


def ratio(a, b):
    return round(a / b, 2) if b else None
