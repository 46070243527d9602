"""Self-repair against the live server: a local checksum that disagrees with the
server's triggers a fresh download that keeps the outbox; an outbox numbered past the
server's expectation (409 mutation_gap) is renumbered and pushed."""

import json
import uuid

from .pwa_pages import local, login, meta, open_customer, set_meta, sync, wait_pending


def _pull_cursors(page):
    cursors = []
    page.on("request", lambda r: cursors.append(json.loads(r.post_data)["cursor"])
            if r.url.endswith("/api/v1/sync/pull") else None)
    return cursors


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
    ctx.set_offline(False)
    sync(page)
    assert 0 in cursors[1:], cursors          # a second download from 0 followed
    assert local(page, "customers", customer_id)["city"] == "Yangzhou"
    assert server.query("SELECT city FROM customers WHERE id = ?", customer_id) == [("Yangzhou",)]
    cursors.clear()
    sync(page)
    assert 0 not in cursors                   # repaired: incremental again


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
