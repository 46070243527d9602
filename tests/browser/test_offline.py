"""Proof 1: a phone works offline from the service worker and syncs each change once."""

import uuid

from .pwa_pages import (
    local,
    login,
    meta,
    open_customer,
    pending,
    set_aside,
    shot,
    sync,
    wait_pending,
)


def test_offline_edit_and_visit_sync_exactly_once(server, phone):
    name = f"Offline Works {uuid.uuid4().hex[:6]}"
    customer_id = server.create_customer("rep1@demo", name, city="Wuxi", abc_class="A")
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")

    # Offline: the app shell comes from the service worker's cache.
    ctx.set_offline(True)
    page.reload()
    page.get_by_test_id("account-list").wait_for()
    state = page.get_by_test_id("sync-status").get_attribute("data-state")
    assert state in ("offline", "idle", "error")

    # Quick edit of the profile.
    open_customer(page, name)
    page.get_by_test_id("contact-info-edit").click()
    page.get_by_test_id("edit-city").fill("Suzhou")
    page.get_by_test_id("contact-info-save").click()
    page.get_by_text("Suzhou").first.wait_for()
    wait_pending(page, 1)

    # Start logging a visit, then close the app mid-typing: the draft survives.
    page.get_by_test_id("log-visit").click()
    page.get_by_test_id("visit-type").select_option("technical_exchange")
    page.get_by_test_id("visit-purpose").fill("Demo the new line")
    page.get_by_test_id("visit-notes").fill("Met the plant manager; wants a trial.")
    page.close()

    page = ctx.new_page()
    page.goto(f"{server.url}/#/c/{customer_id}/visit")
    notes = page.get_by_test_id("visit-notes")
    notes.wait_for()
    assert notes.input_value() == "Met the plant manager; wants a trial."
    assert page.get_by_test_id("visit-type").input_value() == "technical_exchange"
    page.get_by_test_id("visit-save").click()
    page.get_by_test_id("customer-name").wait_for()
    wait_pending(page, 2)

    # Close and reopen, still offline: the outbox and the edits are still there.
    page.close()
    page = ctx.new_page()
    page.goto(server.url + "/")
    page.get_by_test_id("account-list").wait_for()
    wait_pending(page, 2)
    assert local(page, "customers", customer_id)["city"] == "Suzhou"
    shot(page, "offline-pending-en")

    # Back online: one sync sends both changes, and a second sync sends nothing again.
    ctx.set_offline(False)
    sync(page)
    sync(page)
    assert pending(page) == 0

    assert server.query("SELECT city FROM customers WHERE id = ?", customer_id) == [("Suzhou",)]
    visits = server.query("SELECT type, notes, purpose FROM visits WHERE customer_id = ?",
                          customer_id)
    assert visits == [("technical_exchange", "Met the plant manager; wants a trial.",
                       "Demo the new line")]
    client_id = meta(page, "client_id")
    # Each mutation processed once: the stored results of the pushes cover ids 1 and 2
    # exactly once.
    pushes = server.query("SELECT first_mutation_id, last_mutation_id FROM sync_results "
                          "WHERE client_id = ? ORDER BY last_mutation_id", client_id)
    assert [i for first, last in pushes for i in range(first, last + 1)] == [1, 2]
    assert server.query("SELECT last_mutation_id FROM sync_clients WHERE client_id = ?",
                        client_id) == [(2,)]
    # The phone now holds the server's copy (with its seq) and no local-only leftovers.
    row = local(page, "customers", customer_id)
    assert row["_seq"] > 0 and row["city"] == "Suzhou"


def test_service_worker_pushes_the_outbox_on_its_own(server, phone):
    """Background Sync with no page to run the sync: the worker pushes by itself; what the
    server refuses is rolled back when the app next syncs."""
    name = f"Worker Push {uuid.uuid4().hex[:6]}"
    customer_id = server.create_customer("rep1@demo", name, city="Wuxi")
    opp_id = str(uuid.uuid4())
    server.push("rep1@demo", [{"op": "put", "table": "opportunities", "key": opp_id,
                               "hlc": "1763800000000-00000-testseed", "base": {},
                               "fields": {"customer_id": customer_id, "name": "Boilers"}}])
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    open_customer(page, name)
    page.get_by_test_id("contact-info-edit").click()
    page.get_by_test_id("edit-city").fill("Huai'an")
    page.get_by_test_id("contact-info-save").click()
    # A change the server refuses (milestones move only through approved promotions).
    page.evaluate("""async (id) => (await import('/static/js/store.js'))
        .save({ table: 'opportunities', id, values: { milestone: 5 } })""", opp_id)
    wait_pending(page, 2)
    answer = page.evaluate("""() => new Promise((resolve) => {
      navigator.serviceWorker.addEventListener('message', (e) => {
        if (e.data?.type === 'pushed') resolve(e.data);
      });
      navigator.serviceWorker.controller.postMessage({ type: 'push' });
    })""")
    assert answer == {"type": "pushed", "count": 2}
    assert server.query("SELECT city FROM customers WHERE id = ?", customer_id) == [("Huai'an",)]
    assert local(page, "opportunities", opp_id)["milestone"] == 5    # not rolled back yet
    sync(page)
    assert local(page, "opportunities", opp_id)["milestone"] == 1
    reasons = [r["reason"] for r in set_aside(page) if r["key"] == opp_id]
    assert reasons == ["read_only_field"]


def _kept_index(page, epoch_above=-1):
    """The account index the phone keeps for its next cold start, once it is kept (a
    moment after the list was built) from records of an epoch above ``epoch_above``."""
    for _ in range(100):
        kept, epoch = meta(page, "accountIndex"), meta(page, "recordsEpoch") or 0
        if kept is not None and kept["epoch"] == epoch and epoch > epoch_above:
            return kept
        page.wait_for_timeout(100)
    raise AssertionError(f"no account index kept: {kept and kept['epoch']}, epoch {epoch}")


def test_a_cold_start_lists_the_kept_index_and_never_a_removed_customer(server, phone):
    """A cold start shows the account index the last run kept, then the freshly built one.
    Whatever removes records (here the server deleting a customer) drops the kept index
    in the same transaction, so a removed customer's name does not linger in it."""
    tag = uuid.uuid4().hex[:6]
    stays = server.create_customer("rep1@demo", f"000 Stays {tag}")  # first page
    goes = server.create_customer("rep1@demo", f"000 Goes {tag}")
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    first = _kept_index(page)
    assert {stays, goes} <= {row["id"] for row in first["list"]}

    server.push("rep1@demo", [{"op": "delete", "table": "customers", "key": goes,
                               "hlc": "1763800000000-00000-testseed"}])
    sync(page)
    after = _kept_index(page, epoch_above=first["epoch"])
    ids = {row["id"] for row in after["list"]}
    assert stays in ids and goes not in ids

    ctx.set_offline(True)
    page.reload()
    page.get_by_test_id("account-search").fill(tag)
    page.get_by_test_id("account-item").filter(has_text=f"000 Stays {tag}").wait_for()
    assert page.get_by_test_id("account-item").filter(has_text=f"000 Goes {tag}").count() == 0
