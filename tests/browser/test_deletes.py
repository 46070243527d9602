"""Deletes from the PWA carry the field versions the phone saw (docs/sync-protocol.md,
"Delete against edit"): an ordinary delete, online or offline-then-online, opens no
conflict; a delete of a record someone edited since keeps that edit in one delete
conflict. (Customers have no delete in the app; tests/vectors/delete_base.json covers
them for both clients.)"""

import json
import time
import uuid

import pytest

from .pwa_pages import login, open_customer, sync, wait_pending


def _stamp(node):
    return f"{int(time.time() * 1000):013d}-00000-{node}"


def _account_with_a_contact_and_a_visit(server, label):
    """An account of rep1's with a contact and a visit, written from the rep's desk."""
    name = f"{label} {uuid.uuid4().hex[:6]}"
    customer_id = server.create_customer("rep1@demo", name)
    contact_id, visit_id = str(uuid.uuid4()), str(uuid.uuid4())
    result = server.push("rep1@demo", [
        {"op": "put", "table": "contacts", "key": contact_id, "hlc": _stamp("desk"),
         "fields": {"customer_id": customer_id, "name": f"Contact of {name}"}, "base": {}},
        {"op": "put", "table": "visits", "key": visit_id, "hlc": _stamp("desk"),
         "fields": {"customer_id": customer_id, "type": "customer_visit",
                    "occurred_at": "2026-11-20T09:00:00Z", "purpose": "Quarterly review"},
         "base": {}}])
    assert [r["status"] for r in result["results"]] == ["applied"] * 2, result
    return name, customer_id, contact_id, visit_id


def _rep_phone(phone, server):
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    page.on("dialog", lambda dialog: dialog.accept())  # the "delete?" confirmations
    return ctx, page


def _delete_contact(page, name):
    open_customer(page, name)
    page.get_by_test_id("open-chain").click()
    card = page.get_by_test_id("contact-card").filter(has_text=f"Contact of {name}")
    card.get_by_role("button", name="Edit").click()
    page.get_by_test_id("contact-delete").click()
    card.wait_for(state="detached")


def _delete_visit(page, name):
    open_customer(page, name)
    page.get_by_text("Visits (1)").click()
    page.get_by_test_id("visit-delete").click()
    page.get_by_text("Visits (0)").wait_for()


def _conflict_badge(page):
    """The conflicts badge on the navigation (absent when there is nothing to count)."""
    badge = page.get_by_test_id("conflict-count")
    return int(badge.get_attribute("data-count")) if badge.count() else 0


def _wait_badge(page, count):
    """The badge is recounted after the sync has stored the pulled conflicts."""
    page.wait_for_function("""n => Number(document.querySelector(
        '[data-testid=conflict-count]')?.dataset.count || 0) === n""", arg=count)


def _open_conflicts(server, *record_ids):
    marks = ", ".join("?" * len(record_ids))
    rows = server.query(f"SELECT record_id, kind, fields FROM conflicts WHERE status = 'open' "
                        f"AND record_id IN ({marks})", *record_ids)
    return [(record_id, kind, json.loads(fields)) for record_id, kind, fields in rows]


def _deleted(server, table, key):
    return server.query(f"SELECT deleted FROM {table} WHERE id = ?", key) == [(1,)]


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline-then-online"])
def test_an_ordinary_delete_opens_no_conflict(server, phone, offline):
    name, _, contact_id, visit_id = _account_with_a_contact_and_a_visit(server, "Deletes")
    ctx, page = _rep_phone(phone, server)
    badge = _conflict_badge(page)  # 0 on its own; other tests may leave rep1 conflicts
    ctx.set_offline(offline)
    _delete_contact(page, name)
    _delete_visit(page, name)
    if offline:
        wait_pending(page, 2)
        ctx.set_offline(False)
    sync(page)
    sync(page)  # a conflict the push opened would arrive by now
    assert _deleted(server, "contacts", contact_id) and _deleted(server, "visits", visit_id)
    assert _open_conflicts(server, contact_id, visit_id) == []
    assert _conflict_badge(page) == badge


def test_a_delete_after_an_unseen_edit_keeps_it_in_one_conflict(server, phone):
    name, _, contact_id, visit_id = _account_with_a_contact_and_a_visit(server, "Edited")
    ctx, page = _rep_phone(phone, server)
    badge = _conflict_badge(page)
    ctx.set_offline(True)
    # Meanwhile the manager adds notes to the visit the offline phone is about to delete.
    [(versions,)] = server.query("SELECT field_versions FROM visits WHERE id = ?", visit_id)
    result = server.push("manager@demo", [
        {"op": "put", "table": "visits", "key": visit_id, "hlc": _stamp("manager-desk"),
         "fields": {"notes": "Budget approved"}, "base": {"notes": json.loads(versions).get(
             "notes")}}])
    assert result["results"][0]["status"] == "applied", result
    _delete_contact(page, name)
    _delete_visit(page, name)
    wait_pending(page, 2)
    ctx.set_offline(False)
    sync(page)
    sync(page)
    assert _deleted(server, "contacts", contact_id) and _deleted(server, "visits", visit_id)
    assert _open_conflicts(server, contact_id, visit_id) == [
        (visit_id, "delete", {"notes": {"lost": "Budget approved", "kept": None}})]
    _wait_badge(page, badge + 1)
    page.get_by_test_id("nav-conflicts").click()
    page.locator(f"[data-testid=conflict-item][data-record='{visit_id}']").wait_for()
