"""Nothing typed on a phone is lost, and no phone's sync gets stuck (docs/sync-protocol.md,
"On the phone"): a session that ended offline, a second user on the same phone, a
mutation the server keeps failing on, a deleted record re-created from its conflict, a
full disk, sign-out with pending work and the export of everything unsent."""

import json
import time
import uuid

import jwt
import requests

from .pwa_pages import (
    PASSWORD,
    local,
    local_all,
    login,
    meta,
    pending,
    set_aside,
    set_meta,
    sync,
    wait_idle,
    wait_pending,
)
from .serve import SERVER_FAULT


def _visit(page, customer_id, purpose, **more):
    """Save a visit on the phone as the visit form does (one put, its outbox entry)."""
    visit_id = str(uuid.uuid4())
    page.evaluate("""async ([id, values]) => (await import('/static/js/store.js'))
        .save({ table: 'visits', id, values })""", [visit_id, {
        "customer_id": customer_id, "type": "customer_visit", "purpose": purpose,
        "occurred_at": "2026-12-01T02:00:00.000Z", **more}])
    return visit_id


def _visits(server, purpose):
    return server.query("SELECT id FROM visits WHERE purpose = ? AND deleted = 0", purpose)


def _expired(server, user, kind):
    """A token as the server signs them, but expired a day ago (a month offline)."""
    now = int(time.time())
    return jwt.encode({"sub": user["id"], "jti": uuid.uuid4().hex, "type": kind, "fresh": False,
                       "iat": now - 40 * 86400, "nbf": now - 40 * 86400, "exp": now - 86400,
                       "role": user["role"]}, server.secret, algorithm="HS256")


def _sync_once(page):
    """One sync run, however it ends (the scheduler reports failures, never throws)."""
    page.evaluate("async () => (await import('/static/sync/scheduler.js')).syncNow('test')")


def test_a_session_that_ended_offline_keeps_the_work_and_asks_for_the_password(server, phone):
    customer_id = server.create_customer("rep1@demo", f"Expired {uuid.uuid4().hex[:6]}")
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    sync(page)
    ctx.set_offline(True)
    purposes = [f"Month offline {i} {uuid.uuid4().hex[:6]}" for i in range(3)]
    for purpose in purposes:
        _visit(page, customer_id, purpose)
    wait_pending(page, 3)
    user = meta(page, "user")
    set_meta(page, "auth", {"access_token": _expired(server, user, "access"),
                            "refresh_token": _expired(server, user, "refresh")})

    ctx.set_offline(False)
    page.get_by_test_id("sync-now").click()
    page.locator("[data-testid=sync-status][data-state=auth]").wait_for()
    form = page.get_by_test_id("reauth-form")
    form.wait_for()
    assert pending(page) == 3
    assert user["email"] in form.inner_text()
    page.reload()                                   # still there after a restart
    page.get_by_test_id("account-list").wait_for()
    page.get_by_test_id("sync-now").click()
    page.get_by_test_id("reauth-password").fill("not the password")
    page.get_by_test_id("reauth-submit").click()
    page.get_by_test_id("reauth-error").wait_for()
    assert pending(page) == 3

    since = page.evaluate("Date.now()")
    page.get_by_test_id("reauth-password").fill(PASSWORD)
    page.get_by_test_id("reauth-submit").click()
    wait_idle(page, since)
    assert page.get_by_test_id("reauth-form").count() == 0
    for purpose in purposes:
        assert len(_visits(server, purpose)) == 1, purpose
    sync(page)
    for purpose in purposes:
        assert len(_visits(server, purpose)) == 1, purpose


def test_the_refresh_token_rotates_and_the_phone_keeps_the_new_one(server, phone):
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    first = meta(page, "auth")
    set_meta(page, "auth", {**first, "access_token": "expired-or-not-a-token"})
    sync(page)
    rotated = meta(page, "auth")
    assert rotated["refresh_token"] != first["refresh_token"]
    set_meta(page, "auth", {**rotated, "access_token": "expired-again"})
    sync(page)                                      # the rotated one works in turn
    assert meta(page, "auth")["refresh_token"] != rotated["refresh_token"]


def test_another_user_signing_in_parks_the_unsent_work_until_its_owner_returns(server, phone):
    customer_id = server.create_customer("rep1@demo", f"Shared phone {uuid.uuid4().hex[:6]}")
    purpose = f"Rep one's visit {uuid.uuid4().hex[:6]}"
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    ctx.set_offline(True)
    _visit(page, customer_id, purpose)
    wait_pending(page, 1)

    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("logout").click()
    dialog = page.get_by_test_id("logout-dialog")
    dialog.wait_for()
    assert dialog.get_attribute("data-count") == "1"
    assert purpose in page.get_by_test_id("unsent-list").inner_text()
    page.get_by_test_id("logout-keep").click()
    note = page.get_by_test_id("parked-note")
    note.wait_for()
    assert "1" in note.inner_text()

    ctx.set_offline(False)
    login(page, server, "rep2@demo")
    assert pending(page) == 0
    assert local(page, "customers", customer_id) is None      # rep1's records are gone
    assert _visits(server, purpose) == []
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("logout").click()                    # rep2 has nothing unsent
    page.get_by_test_id("login-email").wait_for()
    page.get_by_test_id("parked-note").wait_for()

    login(page, server, "rep1@demo")
    wait_idle(page)
    assert len(_visits(server, purpose)) == 1
    assert page.get_by_test_id("parked-note").count() == 0
    sync(page)
    assert len(_visits(server, purpose)) == 1


def test_a_mutation_the_server_keeps_failing_on_is_set_aside_and_the_rest_syncs(server, phone):
    customer_id = server.create_customer("rep1@demo", f"Failing {uuid.uuid4().hex[:6]}")
    tag = uuid.uuid4().hex[:6]
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    ctx.set_offline(True)
    good = [f"Good before {tag}", f"Good after {tag}"]
    _visit(page, customer_id, good[0])
    bad_id = _visit(page, customer_id, f"Poisoned {tag}", notes=SERVER_FAULT.decode())
    _visit(page, customer_id, good[1])
    wait_pending(page, 3)
    ctx.set_offline(False)

    # A few failures are retried as they are (the server may just be having a moment) ...
    _sync_once(page)
    assert pending(page) == 3 and _visits(server, good[0]) == []
    # ... then the phone narrows it down, sets the one failing mutation aside, goes on.
    for _ in range(4):
        if not set_aside(page):
            _sync_once(page)
    [item] = set_aside(page)
    assert (item["kind"], item["key"], item["status"]) == ("failed", bad_id, 500)
    wait_idle(page)
    for purpose in good:
        assert len(_visits(server, purpose)) == 1, purpose
    assert server.query("SELECT count(*) FROM visits WHERE id = ?", bad_id) == [(0,)]

    # Pulls go on too.
    later = server.create_customer("rep1@demo", f"Arrives later {tag}")
    sync(page)
    assert local(page, "customers", later) is not None

    # Shown with the server's answer; kept until the rep says otherwise.
    page.get_by_test_id("nav-conflicts").click()
    shown = page.get_by_test_id("setaside-item")
    shown.wait_for()
    assert "500" in shown.inner_text() and "Poisoned" in shown.inner_text()
    page.once("dialog", lambda d: d.dismiss())
    page.get_by_test_id("setaside-discard").click()
    assert len(set_aside(page)) == 1                         # said no: still kept

    # Retry sends it again (here it fails again, and is set aside again, nothing lost).
    page.get_by_test_id("setaside-retry").click()
    wait_pending(page, 1)
    assert set_aside(page) == []
    for _ in range(5):
        if not set_aside(page):
            _sync_once(page)
    assert [x["key"] for x in set_aside(page)] == [bad_id]

    page.get_by_test_id("nav-settings").click()
    with page.expect_download() as download:
        page.get_by_test_id("export-unsent").click()
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert exported["format"] == "fieldbook-unsent/1"
    assert [x["mutation"]["key"] for x in exported["set_aside"]] == [bad_id]
    assert exported["set_aside"][0]["mutation"]["fields"]["purpose"] == f"Poisoned {tag}"

    page.get_by_test_id("nav-conflicts").click()
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("setaside-discard").click()
    page.get_by_test_id("setaside-item").wait_for(state="detached")
    assert set_aside(page) == []


def _edited_offline_while_deleted(server, phone, table, key, fields, edit):
    """rep1's ``table`` record ``key`` (made with ``fields``), edited offline on rep1's
    phone (``edit``) while the manager deletes it; back online, the delete conflict is on
    the phone's conflicts screen. Returns the page and the conflict's card."""
    server.push("rep1@demo", [{"op": "put", "table": table, "key": key, "base": {},
                               "hlc": f"{int(time.time() * 1000):013d}-00000-testseed",
                               "fields": fields}])
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    sync(page)
    ctx.set_offline(True)
    page.evaluate("""async ([table, id, values]) => (await import('/static/js/store.js'))
        .save({ table, id, values })""", [table, key, edit])
    server.delete("manager@demo", table, key, node="mgrseed")
    ctx.set_offline(False)
    sync(page)
    page.get_by_test_id("nav-conflicts").click()
    card = page.locator(f"[data-testid=conflict-item][data-record='{key}']")
    card.wait_for()
    return page, card


def test_a_deleted_visit_is_re_created_whole_from_its_conflict(server, phone):
    customer_id = server.create_customer("rep1@demo", f"Re-create {uuid.uuid4().hex[:6]}")
    visit_id = str(uuid.uuid4())
    purpose = f"Line demo {uuid.uuid4().hex[:6]}"
    page, card = _edited_offline_while_deleted(server, phone, "visits", visit_id, {
        "customer_id": customer_id, "type": "customer_visit", "purpose": purpose,
        "occurred_at": "2026-11-30T02:00:00Z", "notes": "Brought samples"},
        {"outcome": "Trial order agreed"})
    card.locator("[data-testid=conflict-lost][data-field=outcome]").click()
    card.get_by_test_id("conflict-resolve").click()
    card.get_by_test_id("conflict-resolving").wait_for()
    sync(page)
    card.wait_for(state="detached")                # closed once the server has it
    rows = server.query("SELECT id, purpose, notes, outcome, type FROM visits "
                        "WHERE customer_id = ? AND deleted = 0", customer_id)
    assert len(rows) == 1 and rows[0][0] != visit_id
    assert rows[0][1:] == (purpose, "Brought samples", "Trial order agreed", "customer_visit")
    assert server.query("SELECT status FROM conflicts WHERE record_id = ?",
                        visit_id) == [("resolved",)]
    assert set_aside(page) == []


def test_a_re_creation_the_server_refuses_leaves_the_conflict_open(server, phone):
    customer_id = server.create_customer("rep1@demo", f"Gone whole {uuid.uuid4().hex[:6]}")
    contact_id = str(uuid.uuid4())
    page, card = _edited_offline_while_deleted(
        server, phone, "contacts", contact_id, {"customer_id": customer_id, "name": "Qian Li"},
        {"title": "Plant manager"})
    conflict_id = card.get_attribute("data-id")
    # Then its whole account goes: a re-created contact has no home.
    server.delete("manager@demo", "customers", customer_id, node="mgrseed")
    card.locator("[data-testid=conflict-lost][data-field=title]").click()
    card.get_by_test_id("conflict-resolve").click()
    _sync_once(page)
    assert server.query("SELECT status FROM conflicts WHERE id = ?", conflict_id) == [("open",)]
    refused = [x for x in set_aside(page) if x["table"] == "contacts"]
    assert len(refused) == 1 and refused[0]["mutation"]["fields"]["title"] == "Plant manager"
    assert refused[0]["mutation"]["fields"]["name"] == "Qian Li"     # whole, as re-created


def test_a_full_disk_refuses_the_save_whole_and_says_so(server, phone):
    customer_id = server.create_customer("rep1@demo", f"Full disk {uuid.uuid4().hex[:6]}")
    # What signing in and the first download take here (it grows with the suite's data),
    # measured on a first phone...
    first = phone()
    probe = first.new_page()
    login(probe, server, "rep1@demo")
    sync(probe)
    used = probe.evaluate("async () => (await navigator.storage.estimate()).usage")
    probe.get_by_test_id("nav-settings").click()
    assert "MB" in probe.get_by_test_id("storage-usage").inner_text()
    first.close()
    # ... then a phone with 2 MB more than that. Chromium fixes an origin's quota when
    # its storage is first used, so it is set before the first page.
    ctx = phone()
    page = ctx.new_page()
    ctx.new_cdp_session(page).send("Storage.overrideQuotaForOrigin", {
        "origin": server.url, "quotaSize": used + 2 * 1024 * 1024})
    login(page, server, "rep1@demo")
    sync(page)
    page.goto(f"{server.url}/#/c/{customer_id}/visit")
    page.get_by_test_id("visit-purpose").fill("Too much to keep")
    # ~3 MB of notes that do not compress (IndexedDB compresses values), typed in one go
    # (set as the page would: one input event).
    notes = page.evaluate("""() => {
      const area = document.querySelector('[data-testid=visit-notes]');
      let text = '';
      for (let i = 0; i < 150; i++) {
        const chars = Array.from({ length: 10000 },
          () => 0x4e00 + Math.floor(Math.random() * 20000));
        text += String.fromCharCode(...chars);
      }
      area.value = text;
      area.dispatchEvent(new Event('input', { bubbles: true }));
      return text.length;
    }""")
    page.get_by_test_id("visit-save").click()
    page.get_by_test_id("storage-full").wait_for()
    page.get_by_role("alert").filter(has_text="storage is full").first.wait_for()
    assert len(page.get_by_test_id("visit-notes").input_value()) == notes   # still typed
    assert pending(page) == 0
    assert [v for v in local_all(page, "visits") if v["customer_id"] == customer_id] == []



def test_sign_out_with_pending_work_offers_to_sync_it_first(server, phone):
    customer_id = server.create_customer("rep1@demo", f"Sync first {uuid.uuid4().hex[:6]}")
    purpose = f"Sent before leaving {uuid.uuid4().hex[:6]}"
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    refresh_token = meta(page, "auth")["refresh_token"]
    ctx.set_offline(True)
    _visit(page, customer_id, purpose)
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("logout").click()
    page.get_by_test_id("logout-dialog").wait_for()
    ctx.set_offline(False)
    page.get_by_test_id("logout-sync").click()
    page.get_by_test_id("login-email").wait_for()          # synced, then signed out
    assert len(_visits(server, purpose)) == 1
    assert meta(page, "auth") is None and local_all(page, "customers") == []
    r = requests.post(f"{server.url}/api/v1/auth/refresh", timeout=10,
                      headers={"Authorization": f"Bearer {refresh_token}"})
    assert r.status_code == 401
