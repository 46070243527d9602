"""Proof 2: two phones edit the same field offline; the loser sees and resolves the
conflict; both converge."""

import uuid

from .pwa_pages import local, local_all, login, open_customer, shot, sync


def _edit_city(page, name, city):
    open_customer(page, name)
    page.get_by_test_id("contact-info-edit").click()
    page.get_by_test_id("edit-city").fill(city)
    page.get_by_test_id("contact-info-save").click()
    page.get_by_text(city).first.wait_for()


def test_same_field_offline_conflict_resolved_on_losing_phone(server, phone):
    name = f"Contested {uuid.uuid4().hex[:6]}"
    customer_id = server.create_customer("rep1@demo", name, city="Wuxi")
    rep_ctx, mgr_ctx = phone(), phone()
    rep, mgr = rep_ctx.new_page(), mgr_ctx.new_page()
    login(rep, server, "rep1@demo")
    login(mgr, server, "manager@demo")

    rep_ctx.set_offline(True)
    mgr_ctx.set_offline(True)
    _edit_city(rep, name, "Changzhou")      # earlier edit: loses last-writer-wins
    _edit_city(mgr, name, "Nantong")        # later edit: wins

    rep_ctx.set_offline(False)
    sync(rep)
    mgr_ctx.set_offline(False)
    sync(mgr)
    assert server.query("SELECT city FROM customers WHERE id = ?", customer_id) == [("Nantong",)]
    assert server.query("SELECT count(*) FROM conflicts WHERE record_id = ? AND status = 'open'",
                        customer_id) == [(1,)]

    # The losing phone learns about it on its next sync.
    sync(rep)
    assert local(rep, "customers", customer_id)["city"] == "Nantong"
    rep.get_by_test_id("nav-conflicts").click()
    item = rep.locator(f"[data-testid=conflict-item][data-record='{customer_id}']")
    item.wait_for()
    assert "Changzhou" in item.inner_text() and "Nantong" in item.inner_text()
    shot(rep, "conflicts-en")
    # Pick the rep's own (lost) value and resolve.
    item.locator("[data-testid=conflict-lost][data-field=city]").click()
    item.get_by_test_id("conflict-resolve").click()
    # Closed only once the server has the chosen value: until then it says so.
    item.get_by_test_id("conflict-resolving").wait_for()
    sync(rep)
    item.wait_for(state="detached")
    sync(mgr)

    assert server.query("SELECT city FROM customers WHERE id = ?", customer_id) == [("Changzhou",)]
    statuses = server.query("SELECT status FROM conflicts WHERE record_id = ?", customer_id)
    assert statuses == [("resolved",)]
    for page in (rep, mgr):
        assert local(page, "customers", customer_id)["city"] == "Changzhou"
        conflicts = local_all(page, "conflicts")
        mine = [c for c in conflicts if c["record_id"] == customer_id]
        assert [c["status"] for c in mine] == ["resolved"]
    mgr.get_by_test_id("nav-conflicts").click()
    mgr.locator(f"[data-testid=conflict-item][data-record='{customer_id}']").wait_for(
        state="detached")
