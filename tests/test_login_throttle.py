"""Failed sign-ins slow the next ones down (server/login_throttle.py): per email, known or
not, answered alike; per address; the owner gets in after a capped wait; the counters
and the login rate limit are shared by every worker through the database."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from api_helpers import API, assert_error
from conftest import PASSWORD

from server import config, passwords, tokens
from server.extensions import db

ROOT = Path(__file__).resolve().parents[1]
GHOST = "nobody-by-this-name@test"


@pytest.fixture
def clock(monkeypatch):
    """The sign-in clock, frozen: ``clock.move(seconds)`` moves it on."""

    class Clock:
        now = datetime.now(UTC).replace(microsecond=0)

        def move(self, seconds):
            self.now += timedelta(seconds=seconds)

    frozen = Clock()
    monkeypatch.setattr(tokens, "clock", lambda: frozen.now)
    return frozen


@pytest.fixture
def no_rate_limit(app):
    """Many attempts from one address, without the per-minute limit in the way."""
    app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"


def _attempt(client, email, password="wrong password", address="127.0.0.1"):
    return client.post(f"{API}/auth/login", json={"email": email, "password": password},
                       environ_overrides={"REMOTE_ADDR": address})


def _answer(response):
    """What a caller can tell from an answer (not the tokens of a success)."""
    return (response.status_code, response.get_json() if response.status_code != 200 else None,
            response.headers.get("Retry-After"), sorted(response.headers.keys()))


def _wait(response):
    assert_error(response, 429)
    return int(response.headers["Retry-After"])


def _fail_until_capped(client, clock, email, address):
    """Failures on ``email``, each after the previous wait, until the wait is the cap."""
    cap = client.application.config["LOGIN_MAX_DELAY_SECONDS"]
    for _ in range(40):
        assert_error(_attempt(client, email, address=address), 401)
        response = _attempt(client, email, address=address)
        if response.status_code == 429 and _wait(response) == cap:
            return
        clock.move(_wait(response) if response.status_code == 429 else 0)
    raise AssertionError("the wait never reached the cap")


# -- no enumeration -----------------------------------------------------------------------
def test_a_real_and_an_unknown_email_are_answered_alike(client, org, clock, no_rate_limit):
    # Past the old 10-failure lockout too, which told a real account (423) from none (401).
    real = [_answer(_attempt(client, org.rep1.email, address="10.0.0.1")) for _ in range(12)]
    unknown = [_answer(_attempt(client, GHOST, address="10.0.0.2")) for _ in range(12)]
    assert real == unknown
    allowance = client.application.config["LOGIN_DELAY_AFTER_FAILURES"]
    assert [status for status, *_ in real] == [401] * allowance + [429] * (12 - allowance)
    assert real[-1][1]["message"] == "Too many failed sign-ins: try again in 1 s"
    assert real[-1][2] == "1"
    # The right password is refused as any other during the wait (or it would tell a
    # guesser which guess was right), and answered exactly as for an unknown email.
    assert _answer(_attempt(client, org.rep1.email, PASSWORD, "10.0.0.1")) \
        == _answer(_attempt(client, GHOST, PASSWORD, "10.0.0.2")) == real[-1]


def test_an_unknown_email_still_costs_a_password_hash(client, org, monkeypatch):
    checked, real = [], passwords._hasher

    class Spy:
        def verify(self, digest, password):
            checked.append(digest)
            return real.verify(digest, password)

    monkeypatch.setattr(passwords, "_hasher", Spy())
    assert_error(_attempt(client, GHOST), 401)
    assert_error(_attempt(client, org.rep1.email), 401)
    assert len(checked) == 2 and checked[0] != checked[1]  # a dummy hash, then the real one


# -- the owner gets in ----------------------------------------------------------------------
def test_the_right_password_works_after_the_capped_wait(client, org, clock, no_rate_limit):
    _fail_until_capped(client, clock, org.rep1.email, address="203.0.113.9")
    cap = client.application.config["LOGIN_MAX_DELAY_SECONDS"]
    assert cap == 300  # five minutes at most, however long the attacker went on
    # The rep, from their own phone: told how long to wait, and the waiting refusals do
    # not make the wait longer.
    assert _wait(_attempt(client, org.rep1.email, PASSWORD, "198.51.100.7")) == cap
    clock.move(cap - 10)
    assert _wait(_attempt(client, org.rep1.email, PASSWORD, "198.51.100.7")) == 10
    clock.move(10)
    assert _attempt(client, org.rep1.email, PASSWORD, "198.51.100.7").status_code == 200


def test_a_sign_in_resets_the_account(client, org, clock, no_rate_limit):
    allowance = client.application.config["LOGIN_DELAY_AFTER_FAILURES"]
    for _ in range(allowance):
        assert_error(_attempt(client, org.rep1.email), 401)
    assert _wait(_attempt(client, org.rep1.email, PASSWORD)) == 1
    clock.move(1)
    assert _attempt(client, org.rep1.email, PASSWORD).status_code == 200
    # From zero again: one more mistyping does not make the rep wait.
    assert_error(_attempt(client, org.rep1.email), 401)
    assert _attempt(client, org.rep1.email, PASSWORD).status_code == 200


def test_failures_an_hour_old_are_forgotten(client, org, clock, no_rate_limit):
    allowance = client.application.config["LOGIN_DELAY_AFTER_FAILURES"]
    for _ in range(allowance - 1):
        assert_error(_attempt(client, org.rep1.email), 401)
    clock.move(client.application.config["LOGIN_FAILURES_FORGOTTEN_AFTER"] + 1)
    for _ in range(allowance - 1):
        assert_error(_attempt(client, org.rep1.email), 401)
    assert _attempt(client, org.rep1.email, PASSWORD).status_code == 200


# -- per address ----------------------------------------------------------------------------
def test_one_address_guessing_at_many_emails_is_slowed(app, client, org, clock, no_rate_limit):
    assert app.config["LOGIN_ADDRESS_DELAY_AFTER_FAILURES"] == 20  # an office NAT's phones
    allowance = app.config["LOGIN_ADDRESS_DELAY_AFTER_FAILURES"] = 6  # (a shorter test)
    for n in range(allowance - 1):
        assert_error(_attempt(client, f"guess{n}@test", address="192.0.2.1"), 401)
    # A valid account of its own does not reset the address.
    assert _attempt(client, org.rep2.email, PASSWORD, "192.0.2.1").status_code == 200
    assert_error(_attempt(client, "one-more@test", address="192.0.2.1"), 401)
    assert _wait(_attempt(client, org.rep2.email, PASSWORD, "192.0.2.1")) == 1
    assert _wait(_attempt(client, "fresh@test", address="192.0.2.1")) == 1
    # Another address, and the emails themselves (one failure each), are not held up.
    assert _attempt(client, org.rep2.email, PASSWORD, "192.0.2.2").status_code == 200
    assert_error(_attempt(client, "guess0@test", address="192.0.2.2"), 401)


# -- shared by every worker -----------------------------------------------------------------
def _in_another_worker(app, clock, email, password, times, rate_limit):
    """``times`` attempts from a second process (a second gunicorn worker) on the same
    database, at the same clock: their status codes."""
    db.session.close()  # SQLite: this app's open transaction would lock the other out
    script = (
        "import json, sys\n"
        "from datetime import datetime\n"
        "from server import create_app, tokens\n"
        "args = json.loads(sys.argv[1])\n"
        "tokens.clock = lambda: datetime.fromisoformat(args['now'])\n"
        "app = create_app({'TESTING': True, 'SQLALCHEMY_DATABASE_URI': args['url'],\n"
        "                  'SECRET_KEY': args['secret'], 'LOGIN_RATE_LIMIT': args['limit']})\n"
        "client = app.test_client()\n"
        "print(json.dumps([client.post('/api/v1/auth/login', json={\n"
        "    'email': args['email'], 'password': args['password']}).status_code\n"
        "    for _ in range(args['times'])]))\n")
    args = {"now": clock.now.isoformat(), "url": app.config["SQLALCHEMY_DATABASE_URI"],
            "secret": app.config["SECRET_KEY"], "limit": rate_limit, "email": email,
            "password": password, "times": times}
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    done = subprocess.run([sys.executable, "-c", script, json.dumps(args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_workers_share_the_failure_counters(app, client, org, clock, no_rate_limit):
    allowance = app.config["LOGIN_DELAY_AFTER_FAILURES"]
    for email in (org.rep1.email, GHOST):
        assert _in_another_worker(app, clock, email, "wrong password", allowance,
                                  "10000 per minute") == [401] * allowance
        assert _wait(_attempt(client, email, PASSWORD)) == 1


def test_workers_share_the_login_rate_limit(app, client, org, clock):
    assert app.config["RATELIMIT_STORAGE_URI"] == "fieldbook-db://"
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    assert _attempt(client, org.rep1.email, PASSWORD).status_code == 200
    assert _in_another_worker(app, clock, org.rep2.email, PASSWORD, 2,
                              "3 per minute") == [200, 200]
    refused = _attempt(client, org.rep1.email, PASSWORD)
    assert 1 <= _wait(refused) <= 60
    assert assert_error(refused, 429)["message"].startswith(
        "Too many sign-in attempts from this address: try again in ")


def test_the_rate_limit_is_never_counted_in_a_workers_memory(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert config.from_environment()["RATELIMIT_STORAGE_URI"] == "fieldbook-db://"
    monkeypatch.setenv("REDIS_URL", "redis://10.1.2.3:6379/0")
    assert config.from_environment()["RATELIMIT_STORAGE_URI"] == "redis://10.1.2.3:6379/0"


# -- housekeeping ---------------------------------------------------------------------------
def test_sync_prune_forgets_spent_counters(client, org, clock, runner):
    assert_error(_attempt(client, org.rep1.email), 401)  # an account and an address
    clock.move(client.application.config["LOGIN_FAILURES_FORGOTTEN_AFTER"] + 1)
    assert_error(_attempt(client, org.rep2.email, address="10.9.9.9"), 401)  # kept
    result = runner.invoke(args=["sync-prune", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "login_throttle: 2" in result.output
