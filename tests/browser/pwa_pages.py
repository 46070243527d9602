"""Page helpers shared by the browser tests (selectors are the data-testids of docs/testing.md)."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "fieldbook-demo"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

def login(page, server, email):
    page.goto(server.url + "/")
    page.get_by_test_id("login-email").fill(email)
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("account-list").wait_for()
    wait_idle(page)
    # The service worker must control the page before the app can start offline.
    wait_controlled(page)


def wait_controlled(page):
    """Wait until the service worker controls the page (a reload hands it over if the
    worker activated without claiming this page)."""
    for attempt in range(2):
        try:
            page.wait_for_function("() => navigator.serviceWorker.controller !== null",
                                   timeout=10_000)
            return
        except Exception:
            state = page.evaluate("""async () => {
              const r = await navigator.serviceWorker.getRegistration();
              return r ? {active: r.active?.state, installing: r.installing?.state,
                          waiting: r.waiting?.state} : 'no registration';
            }""")
            if attempt:
                raise AssertionError(f"service worker never took control: {state}") from None
            page.reload()
            page.get_by_test_id("account-list").wait_for()


def wait_idle(page, since=0, timeout=30_000):
    """Wait until a sync finished after ``since`` (ms) with nothing pending."""
    page.wait_for_function(
        """since => {
          const s = document.querySelector('[data-testid=sync-status]');
          const p = document.querySelector('[data-testid=pending-count]');
          return s && p && s.dataset.state === 'idle' && Number(s.dataset.lastSync || 0) >= since
            && p.dataset.count === '0';
        }""", arg=since, timeout=timeout)


def sync(page):
    since = page.evaluate("Date.now()")
    page.get_by_test_id("sync-now").click()
    wait_idle(page, since)


def pending(page):
    return int(page.get_by_test_id("pending-count").get_attribute("data-count"))


def local(page, table, key):
    """A record as stored on the phone (IndexedDB), through the app's own store module."""
    return page.evaluate("async ([t, k]) => (await import('/static/js/store.js')).get(t, k)",
                         [table, key])


def open_customer(page, name):
    page.get_by_test_id("nav-accounts").click()
    page.get_by_test_id("account-search").fill(name)
    page.get_by_test_id("account-item").filter(has_text=name).first.click()
    page.get_by_test_id("customer-name").filter(has_text=name).wait_for()


def shot(page, name):
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def copy_screenshot(name, dest):
    shutil.copyfile(SCREENSHOTS / f"{name}.png", dest)


def wait_pending(page, count):
    """Wait until the pending badge shows ``count`` outbox entries."""
    page.wait_for_function(
        "n => document.querySelector('[data-testid=pending-count]')?.dataset.count === String(n)",
        arg=count)


def meta(page, key):
    """A value from the phone's meta table (tokens, cursor, client_id, ...)."""
    return page.evaluate("async (k) => (await import('/static/js/db.js')).getMeta(k)", key)


def set_meta(page, key, value):
    page.evaluate("async ([k, v]) => (await import('/static/js/db.js')).setMeta(k, v)",
                  [key, value])


def local_all(page, table):
    """Every live record of a table on the phone."""
    return page.evaluate("async (t) => (await import('/static/js/store.js')).all(t)", table)


def set_aside(page):
    """The changes the phone took out of its outbox (refused, or failing on the server)."""
    return page.evaluate(
        "async () => (await import('/static/js/db.js')).db().setaside.orderBy('sid').toArray()")
