"""Databases and gunicorn servers for the proofs, started the way ``make run`` starts them.

- ``Database.sqlite(dir)`` / ``Database.postgresql(name)``: an empty database of our own
  (a PostgreSQL database is created on the server of ``RELIABILITY_PG_URL``, by default
  the local one, and dropped by ``drop()``; never the shared ``test`` database).
- ``db.prepare()`` runs ``flask db upgrade`` and ``flask seed-demo --if-empty`` as
  subprocesses, exactly like ``make run``, then adds the reps the workloads sign in as.
- ``Server(db, ...)`` runs ``gunicorn reliability.wsgi:app`` (``server.create_app()`` with
  only the login rate limit raised: hundreds of simulated phones sign in from 127.0.0.1)
  in its own process group, so ``crash()`` can SIGKILL the master and its workers at once.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid

import requests
import sqlalchemy as sa

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def _pg_admin_url():
    # Our own databases are created on the server of RELIABILITY_PG_URL, or of the test
    # suite's TEST_DATABASE_URL (never in that database itself), or the local one.
    if os.environ.get("RELIABILITY_PG_URL"):
        return os.environ["RELIABILITY_PG_URL"]
    if os.environ.get("TEST_DATABASE_URL"):
        url = sa.make_url(os.environ["TEST_DATABASE_URL"]).set(database="postgres")
        return url.render_as_string(hide_password=False)
    return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


PG_ADMIN_URL = _pg_admin_url()
PASSWORD = "reliability-pass-1"
SECRET_KEY = secrets.token_hex(32)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_available():
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


class Database:
    def __init__(self, kind, url, name=None):
        self.kind = kind
        self.url = url
        self.name = name
        self._engine = None

    @classmethod
    def sqlite(cls, directory, name="fieldbook.db"):
        path = os.path.join(directory, name)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return cls("sqlite", f"sqlite:///{path}")

    @classmethod
    def postgresql(cls, label):
        name = f"rel_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = sa.make_url(PG_ADMIN_URL).set(database=name)
        return cls("postgresql", url.render_as_string(hide_password=False), name)

    @property
    def path(self):
        return self.url.removeprefix("sqlite:///") if self.kind == "sqlite" else None

    def engine(self):
        if self._engine is None:
            self._engine = sa.create_engine(self.url)
        return self._engine

    def env(self, **extra):
        env = {**os.environ, "DATABASE_URL": self.url, "FIELDBOOK_SECRET_KEY": SECRET_KEY,
               "FIELDBOOK_DEMO": "1", "PYTHONPATH": ROOT}
        env.pop("REDIS_URL", None)
        env.update(extra)
        return env

    def flask(self, *args, check=True):
        return subprocess.run([sys.executable, "-m", "flask", "--app", "server:create_app",
                               *args], cwd=ROOT, env=self.env(), capture_output=True,
                              text=True, check=check, timeout=300)

    def prepare(self, reps=0, seed=True):
        """Migrate and seed like ``make run``; add ``reps`` reps (rel-rep<i>@test) in a
        team of their own. Returns their emails."""
        self.flask("db", "upgrade")
        if seed:
            self.flask("seed-demo", "--if-empty")
        return self.add_reps(reps)

    def add_reps(self, count, team_name="Reliability"):
        if not count:
            return []
        from server.models import Team, User
        from server.passwords import hash_password

        digest = hash_password(PASSWORD)  # Argon2 is slow on purpose: once per run
        emails = []
        with sa.orm.Session(self.engine()) as session:
            team = session.scalar(sa.select(Team).where(Team.name == team_name))
            if team is None:
                team = Team(name=team_name)
                session.add(team)
                session.flush()
            start = session.scalar(sa.select(sa.func.count()).select_from(User))
            for number in range(start, start + count):
                email = f"rel-rep{number}@test"
                session.add(User(email=email, name=f"Rep {number}", role="rep",
                                 team_id=team.id, password_hash=digest))
                emails.append(email)
            session.commit()
        return emails

    def drop(self):
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self.kind == "postgresql":
            admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()


class Server:
    """One gunicorn instance (an "app node")."""

    def __init__(self, database, workers=2, threads=1, port=None, log_path=None,
                 redis_url=None, login_limit="100000 per minute", timeout=60):
        self.database = database
        self.workers = workers
        self.threads = threads
        self.port = port or free_port()
        self.log_path = log_path or os.devnull
        self.redis_url = redis_url
        self.login_limit = login_limit
        self.timeout = timeout
        self.process = None
        self.starts = 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait=60):
        env = self.database.env(RELIABILITY_LOGIN_RATE_LIMIT=self.login_limit)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
                   "--bind", f"127.0.0.1:{self.port}", "--timeout", str(self.timeout),
                   "--graceful-timeout", "5"]
        if self.threads > 1:
            command += ["--threads", str(self.threads)]
        command.append("reliability.wsgi:app")
        self._log = open(self.log_path, "a")  # noqa: SIM115  (closed in stop/crash)
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        self.wait_ready(wait)
        return self

    def wait_ready(self, wait=60):
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; "
                                   f"log: {self.log_path}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn on {self.url} not ready after {wait}s")

    def crash(self):
        """SIGKILL the master and every worker at once (its own process group)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self._wait_port_free()
        self._log.close()
        self.process = None

    def stop(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGINT)  # gunicorn's quick shutdown
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        self._log.close()
        self.process = None

    def _wait_port_free(self, wait=10):
        # Workers die with the group; wait until nothing listens so the restart can bind.
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.05)

    def __enter__(self):
        return self.start() if self.process is None else self

    def __exit__(self, *_):
        self.stop()
