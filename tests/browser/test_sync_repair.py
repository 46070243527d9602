"""Self-repair against the live server: a local checksum that disagrees with the
server's, found by a verified pull, triggers a fresh download that keeps the outbox; the
app asks for the checksum only when a verification is due; an outbox numbered past the
server's expectation (409 mutation_gap) is renumbered and pushed."""

import json
import uuid

from .pwa_pages import local, login, meta, open_customer, set_meta, sync, wait_idle, wait_pending


def _pull_cursors(page):
    cursors = []
    page.on("request", lambda r: cursors.append(json.loads(r.post_data)["cursor"])
            if r.url.endswith("/api/v1/sync/pull") else None)
    return cursors


def _pull_verify_flags(page):
    flags = []
    page.on("request", lambda r: flags.append(json.loads(r.post_data).get("verify"))
            if r.url.endswith("/api/v1/sync/pull") else None)
    return flags


def _move_clock(page, ms):
    """Move the sync client's verification clock ``ms`` ahead of the real one (the
    injected clock of pwa/static/sync/client.js: no waiting)."""
    page.evaluate("""async (ms) => {
      const client = await import('/static/sync/client.js');
      client.setClock(() => Date.now() + ms);
    }""", ms)


def _verify_every_ms(page):
    return page.evaluate("async () => (await import('/static/sync/client.js')).VERIFY_EVERY_MS")


def test_checksum_mismatch_downloads_again_and_keeps_the_outbox(server, phone):
    name = f"Checksum {uuid.uuid4().hex[:6]}"
    customer_id = server.create_customer("rep1@demo", name, city="Wuxi")
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    ctx.set_offline(True)
    open_customer(page, name)
    page.get_by_test_id("contact-info-edit").click()
    page.get_by_test_id("edit-city").fill("Yangzhou")
    page.get_by_test_id("contact-info-save").click()
    wait_pending(page, 1)
    # Corrupt the running checksum, as a lost write would.
    set_meta(page, "checksum", 12345)
    cursors = _pull_cursors(page)
    flags = _pull_verify_flags(page)
    # The first sync after sign-in was verified; the periodic check is due again now.
    _move_clock(page, _verify_every_ms(page))
    ctx.set_offline(False)
    sync(page)
    assert flags[0] is True, flags
    assert 0 in cursors[1:], cursors          # a second download from 0 followed
    assert local(page, "customers", customer_id)["city"] == "Yangzhou"
    assert server.query("SELECT city FROM customers WHERE id = ?", customer_id) == [("Yangzhou",)]
    cursors.clear()
    flags.clear()
    sync(page)
    assert 0 not in cursors                   # repaired: incremental again
    assert flags and not any(flags), flags    # and routine: no checksum asked


def test_pulls_ask_for_the_checksum_only_when_due(server, phone):
    ctx = phone()
    page = ctx.new_page()
    flags = _pull_verify_flags(page)
    login(page, server, "rep1@demo")
    assert flags and flags[0] is True, flags  # the first download is verified
    every = _verify_every_ms(page)
    flags.clear()
    sync(page)
    assert flags and not any(flags), flags    # a routine sync: no checksum
    _move_clock(page, every - 60_000)
    flags.clear()
    sync(page)
    assert flags and not any(flags), flags    # not yet due
    _move_clock(page, every + 1)
    flags.clear()
    sync(page)
    sync(page)
    assert flags[0] is True and not any(flags[1:]), flags  # due once, then routine again
    # The app starts again (a reload): its first sync verifies.
    flags.clear()
    since = page.evaluate("Date.now()")
    page.reload()
    page.get_by_test_id("account-list").wait_for()
    wait_idle(page, since)
    assert flags and flags[0] is True, flags
    flags.clear()
    sync(page)
    assert flags and not any(flags), flags


def test_mutation_gap_renumbers_the_outbox(server, phone):
    name = f"Gap {uuid.uuid4().hex[:6]}"
    customer_id = server.create_customer("rep1@demo", name)
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    # As if the ids the server saw were lost: the next edits are numbered from 50.
    set_meta(page, "next_mutation_id", 50)
    open_customer(page, name)
    page.get_by_test_id("contact-info-edit").click()
    page.get_by_test_id("edit-city").fill("Taizhou")
    page.get_by_test_id("contact-info-save").click()
    sync(page)
    assert server.query("SELECT city FROM customers WHERE id = ?", customer_id) == [("Taizhou",)]
    pushes = server.query("SELECT first_mutation_id, last_mutation_id FROM sync_results "
                          "WHERE client_id = ?", meta(page, "client_id"))
    assert pushes == [(1, 1)]
