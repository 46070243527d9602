"""Browser tests: a real server subprocess on a free port (temp SQLite, migrated and
seeded) and Debian's Chromium driven by Playwright. The server's log is printed when a
test fails. See docs/testing.md."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PASSWORD = "fieldbook-demo"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
FAILURES = ROOT / "test-artifacts" / "failures"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(env, *args, check=True):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "server:create_app", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=check)


class Server:
    def __init__(self, url, db_path, log_path, secret):
        self.url = url
        self.db_path = db_path
        self.log_path = log_path
        self.secret = secret  # signs its tokens: tests forge expired ones with it

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def query(self, sql, *params):
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(sql, params).fetchall()

    def login(self, email):
        r = requests.post(f"{self.url}/api/v1/auth/login", timeout=10,
                          json={"email": email, "password": PASSWORD})
        r.raise_for_status()
        return r.json()

    def push(self, email, mutations, client_id=None):
        """Push mutations as a device of ``email`` would (one fresh client per call)."""
        token = self.login(email)["access_token"]
        client_id = client_id or uuid.uuid4().hex
        numbered = [{"id": i + 1, **m} for i, m in enumerate(mutations)]
        r = requests.post(f"{self.url}/api/v1/sync/push", timeout=20,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"schema_version": 1, "client_id": client_id, "mutations": numbered})
        r.raise_for_status()
        return r.json()

    def delete(self, email, table, key, node="deskseed"):
        """Delete as a device of ``email`` that saw the record as the server has it now
        (its base is the record's field versions: no conflict unless edited since)."""
        [(versions,)] = self.query(f"SELECT field_versions FROM {table} WHERE id = ?", key)
        hlc = f"{int(time.time() * 1000):013d}-00000-{node}"
        return self.push(email, [{"op": "delete", "table": table, "key": key, "hlc": hlc,
                                  "base": json.loads(versions)}])

    def create(self, email, table, fields):
        """A new record of ``table``, pushed by a device of ``email``; returns its id."""
        key = str(uuid.uuid4())
        hlc = f"{int(time.time() * 1000):013d}-00000-testseed"
        result = self.push(email, [{"op": "put", "table": table, "key": key, "hlc": hlc,
                                    "fields": fields, "base": {}}])
        assert result["results"][0]["status"] == "applied", result
        return key

    def create_customer(self, email, name, **fields):
        return self.create(email, "customers", {"name": name, **fields})


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("server")
    db_path = tmp / "fieldbook.db"
    secret = "browser-tests-only-" + uuid.uuid4().hex
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "FIELDBOOK_DEMO": "1",
           "FIELDBOOK_SECRET_KEY": secret,
           "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    env.pop("FLASK_APP", None)
    _flask(env, "db", "upgrade")
    _flask(env, "seed-demo")
    port = _free_port()
    log_path = tmp / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("serve.py")), str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    srv = Server(url, db_path, log_path, secret)
    for _ in range(100):
        try:
            if requests.get(f"{url}/", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("server did not start:\n" + srv.log())
    yield srv
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def phone(browser, request):
    """A factory of phone-sized contexts, closed after the test."""
    contexts = []
    console = []

    def make(locale="en-US"):
        ctx = browser.new_context(**PHONE, locale=locale, service_workers="allow")
        ctx.set_default_timeout(15_000)
        ctx.on("console", lambda m: console.append(f"{m.type}: {m.text}")
               if m.type in ("error", "warning") else None)
        contexts.append(ctx)
        return ctx

    yield make
    report = getattr(request.node, "rep_call", None)
    for i, ctx in enumerate(contexts):
        if report is not None and report.failed:
            # What each phone showed when the test failed, with its console output.
            for j, page in enumerate(ctx.pages):
                path = FAILURES / f"{request.node.name}-{i}-{j}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    page.screenshot(path=str(path))
                except Exception:  # noqa: BLE001 - best effort
                    pass
        ctx.close()
    if report is not None and report.failed and console:
        print("browser console:\n" + "\n".join(console[-50:]))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    if report.failed and "server" in item.fixturenames:
        srv = item.funcargs.get("server")
        if srv is not None:
            report.sections.append(("server log (tail)", srv.log()[-20000:]))


@pytest.fixture(scope="session", autouse=True)
def _screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
