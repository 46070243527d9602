"""Phone-side faults: one real phone (headless Chromium, the PWA from a real gunicorn)
through a long offline stretch in which its page is killed at random moments mid-save
and mid-sync (a renderer crash or a closed tab), its session expires, and two reps take
turns on it. In the end every visit the phone kept is on the server exactly once, and
nothing else is: 0 lost, 0 doubled (docs/reliability.md, "Phone-side faults").

A visit counts as kept when its save committed on the phone (the visit row is in
IndexedDB when the page comes back): that is when the app says "saved". A save killed
before its transaction committed left nothing behind, and must reach the server never.
"""

import random
import time
import uuid
from collections import Counter

import jwt
import requests
import sqlalchemy as sa

from .env import PASSWORD, SECRET_KEY

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ACTIONS = ["save", "save_killed", "sync_killed", "expire", "switch", "signal"]
WEIGHTS = [4, 4, 3, 1, 1, 2]

_SAVE = """([id, values]) => import('/static/js/store.js')
  .then((s) => s.save({ table: 'visits', id, values }))"""
_SAVE_UNAWAITED = """([id, values]) => {
  import('/static/js/store.js').then((s) => s.save({ table: 'visits', id, values })); return 1; }"""
_SYNC = "() => import('/static/sync/scheduler.js').then((s) => s.syncNow('reliability'))"
_SYNC_UNAWAITED = """() => {
  import('/static/sync/scheduler.js').then((s) => s.syncNow('reliability')); return 1; }"""
_KEPT = "async (id) => !!(await (await import('/static/js/db.js')).db().visits.get(id))"
_UNSENT = """async () => { const { db } = await import('/static/js/db.js');
  return { outbox: await db().outbox.count(), setaside: await db().setaside.count() }; }"""


def _customer(server, email):
    token = requests.post(f"{server.url}/api/v1/auth/login", timeout=30, json={
        "email": email, "password": PASSWORD}).json()["access_token"]
    key = str(uuid.uuid4())
    answer = requests.post(f"{server.url}/api/v1/sync/push", timeout=30, headers={
        "Authorization": f"Bearer {token}"}, json={
        "schema_version": 1, "client_id": uuid.uuid4().hex, "mutations": [{
            "id": 1, "op": "put", "table": "customers", "key": key, "base": {},
            "hlc": f"{int(time.time() * 1000):013d}-00000-reliability",
            "fields": {"name": f"Phone faults {key[:6]}"}}]}).json()
    assert answer["results"][0]["status"] == "applied", answer
    return key


def _expired(user, kind):
    """A token signed as the server signs them, expired: a month without signal."""
    now = int(time.time())
    return jwt.encode({"sub": user["id"], "jti": uuid.uuid4().hex, "type": kind, "fresh": False,
                       "iat": now - 40 * 86400, "nbf": now - 40 * 86400, "exp": now - 86400,
                       "role": user["role"]}, SECRET_KEY, algorithm="HS256")


class Phone:
    """The page of one browser context, killed and reopened; who is signed in on it."""

    def __init__(self, context, server, rng, stats):
        self.context, self.server, self.rng, self.stats = context, server, rng, stats
        self.page = None
        self.offline = False
        self.open()

    def open(self):
        self.page = self.context.new_page()
        self.page.goto(self.server.url + "/")
        self.page.wait_for_function("() => document.body.dataset.ready === '1'")

    def kill(self):
        """A crashed renderer or a closed tab, at once, whatever it was doing."""
        if self.rng.random() < 0.5:
            try:
                # The crash ends the renderer before it can answer: do not wait long.
                self.context.new_cdp_session(self.page).send("Page.crash", timeout=2000)
            except Exception:  # noqa: BLE001 - no answer from a crashed page
                pass
            self.stats["crashes"] += 1
        else:
            self.stats["closes"] += 1
        self.page.close()
        self.open()

    def set_offline(self, offline):
        self.offline = offline
        self.context.set_offline(offline)

    def signed_in_as(self):
        """The signed-in rep's email, or None on the sign-in screen."""
        if self.page.get_by_test_id("login-email").count():
            return None
        return self.page.evaluate(
            "async () => (await (await import('/static/js/db.js')).getMeta('user'))?.email")

    def sign_in(self, email):
        was = self.offline
        self.set_offline(False)
        page = self.page
        page.get_by_test_id("login-email").fill(email)
        page.get_by_test_id("login-password").fill(PASSWORD)
        page.get_by_test_id("login-submit").click()
        page.get_by_test_id("account-list").wait_for(timeout=30_000)
        # Offline restarts need the service worker in control (it serves the app).
        page.wait_for_function("() => navigator.serviceWorker.controller !== null",
                               timeout=30_000)
        self.set_offline(was)

    def sign_out(self):
        """Sign-out; unsent work is kept on the phone for this user's next sign-in."""
        page = self.page
        page.get_by_test_id("nav-settings").click()
        page.get_by_test_id("logout").click()
        keep = page.get_by_test_id("logout-keep")
        login = page.get_by_test_id("login-email")
        page.wait_for_function("() => document.querySelector('[data-testid=logout-keep]')"
                               " || document.querySelector('[data-testid=login-email]')")
        if keep.count():
            keep.click()
            self.stats["parked"] += 1
        login.wait_for()

    def reauth_if_asked(self):
        """The session ended: the password, in place, as the rep would type it."""
        if self.offline:
            return
        self.page.wait_for_function("() => document.querySelector('[data-testid=sync-status]')"
                                    "?.dataset.state !== 'syncing'", timeout=60_000)
        if self.page.get_by_test_id("sync-status").get_attribute("data-state") != "auth":
            return
        form = self.page.get_by_test_id("reauth-password")
        form.fill(PASSWORD)
        self.page.get_by_test_id("reauth-submit").click()
        form.wait_for(state="detached", timeout=30_000)
        self.stats["reauths"] += 1

    def sync(self):
        self.page.evaluate(_SYNC)
        self.reauth_if_asked()

    def unsent(self):
        return self.page.evaluate(_UNSENT)


def exercise(database, server, steps=40, seed=1, log=print, browser=None):
    """``steps`` random actions on one phone shared by two reps, then drain and check.
    ``browser``: a Playwright Chromium already running (the test suite's), else one of
    our own."""
    if browser is not None:
        return _exercise(browser, database, server, steps, seed, log)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        own = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return _exercise(own, database, server, steps, seed, log)
        finally:
            own.close()


class Day:
    """What happened on the phone: which visits were tried and which the phone kept."""

    def __init__(self, tag, emails, customers):
        self.tag, self.emails, self.customers = tag, emails, customers
        self.current = emails[0]
        self.kept, self.attempted = set(), set()

    def other(self):
        return self.emails[1] if self.current == self.emails[0] else self.emails[0]


def _exercise(browser, database, server, steps, seed, log):
    started = time.monotonic()
    rng = random.Random(seed)
    stats = Counter()
    tag = f"phone-{seed}-{uuid.uuid4().hex[:6]}"
    emails = database.add_reps(2, team_name=f"Phone {tag}")
    day = Day(tag, emails, {email: _customer(server, email) for email in emails})
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  service_workers="allow")
    context.set_default_timeout(20_000)
    console = []
    context.on("console", lambda m: console.append(m.text[:300])
               if m.type in ("error", "warning") else None)
    try:
        phone = Phone(context, server, rng, stats)
        phone.sign_in(day.current)
        phone.sync()
        phone.set_offline(True)
        for step in range(steps):
            action = rng.choices(ACTIONS, WEIGHTS)[0]
            stats[action] += 1
            _step(phone, day, action, step)
        _drain(phone, day, console)
    finally:
        context.close()
    result = {"steps": steps, **_verdict(database, day), **dict(sorted(stats.items())),
              "seconds": round(time.monotonic() - started, 1)}
    log(f"  phone: {result}")
    assert result["lost"] == 0 and result["doubled"] == 0 and result["unexpected"] == 0, result
    return result


def _step(phone, day, action, step):
    rng = phone.rng
    if action in ("save", "save_killed"):
        visit_id, purpose = str(uuid.uuid4()), f"{day.tag} visit {step}"
        values = {"customer_id": day.customers[day.current], "type": "customer_visit",
                  "purpose": purpose, "occurred_at": "2026-12-01T02:00:00.000Z"}
        day.attempted.add(purpose)
        if action == "save":
            phone.page.evaluate(_SAVE, [visit_id, values])
        else:
            phone.page.evaluate(_SAVE_UNAWAITED, [visit_id, values])
            time.sleep(rng.uniform(0, 0.03))
            phone.kill()
        if phone.page.evaluate(_KEPT, visit_id):
            day.kept.add(purpose)
    elif action == "sync_killed":
        phone.set_offline(False)
        phone.page.evaluate(_SYNC_UNAWAITED)
        time.sleep(rng.uniform(0, 0.5))
        phone.kill()
        phone.set_offline(rng.random() < 0.7)
    elif action == "expire":
        user = phone.page.evaluate(
            "async () => (await import('/static/js/db.js')).getMeta('user')")
        phone.page.evaluate("""async (auth) => (await import('/static/js/db.js'))
            .setMeta('auth', auth)""", {"access_token": _expired(user, "access"),
                                        "refresh_token": _expired(user, "refresh")})
    elif action == "switch":
        phone.sign_out()
        day.current = day.other()
        phone.sign_in(day.current)
    elif action == "signal":
        phone.set_offline(not phone.offline)
        if not phone.offline:
            phone.sync()


def _drain(phone, day, console):
    """Signal at last: each rep signs in on the phone and syncs until nothing is left
    (twice round: the second pass finds nothing new)."""
    phone.set_offline(False)
    for _ in range(2):
        for email in (day.current, day.other()):
            if phone.signed_in_as() != email:
                if phone.signed_in_as() is not None:
                    phone.sign_out()
                phone.sign_in(email)
            for _ in range(8):
                phone.sync()
                left = phone.unsent()
                if not left["outbox"]:
                    break
            assert left == {"outbox": 0, "setaside": 0}, (email, left, console[-10:])
            day.current = email


def _verdict(database, day):
    with database.engine().connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT purpose, count(*) FROM visits WHERE purpose LIKE :tag AND deleted = :no "
            "GROUP BY purpose"), {"tag": f"{day.tag} %", "no": False}).all()
    on_server = dict(rows)
    return {"attempted": len(day.attempted), "kept_on_phone": len(day.kept),
            "on_server": len(on_server), "lost": len(day.kept - on_server.keys()),
            "doubled": sum(1 for n in on_server.values() if n > 1),
            "unexpected": len(on_server.keys() - day.kept)}
