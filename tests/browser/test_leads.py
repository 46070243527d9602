"""Leads on the phone: captured offline in a few fields, a warning while typing a name like
an existing customer, qualified offline into a new customer and contact, and on the
server after one sync with the links. (The phone's look-alike rules pass the server's
vectors, tests/vectors/lookalike.json, in tests/js/vectors.js.)"""

import uuid

from .pwa_pages import local_all, login, pending, shot, sync, wait_pending


def test_capture_warn_qualify_offline_then_sync(server, phone):
    tag = uuid.uuid4().hex[:6]
    existing = f"Suzhou Pumps {tag} Co., Ltd."
    existing_id = server.create_customer("rep1@demo", existing, city="Suzhou")
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    ctx.set_offline(True)

    page.get_by_test_id("nav-leads").click()
    page.get_by_test_id("lead-new").click()
    page.get_by_test_id("lead-name").fill(f"Zhang Min {tag}")
    page.get_by_test_id("lead-company").fill(f"SUZHOU PUMPS {tag}")  # like the customer
    warning = page.get_by_test_id("lead-duplicate").filter(has_text=existing)
    warning.wait_for()
    assert warning.get_attribute("data-table") == "customers"
    page.get_by_test_id("lead-phone").fill("+86 138 0013 8000")
    page.get_by_test_id("lead-source").select_option("exhibition")
    shot(page, "lead-duplicate-warning-en")
    page.get_by_test_id("lead-save").click()
    page.get_by_test_id("lead-item").filter(has_text=f"Zhang Min {tag}").get_by_role("link").click()
    wait_pending(page, 1)

    # Qualify offline: a new customer (not the look-alike), a contact from the lead.
    page.get_by_test_id("lead-qualify").click()
    page.get_by_test_id("qualify-customer-name").fill(f"Suzhou Pumps {tag} Valves")
    page.get_by_test_id("qualify-save").click()
    page.get_by_test_id("lead-qualified-into").wait_for()
    assert page.get_by_test_id("lead-detail").get_attribute("data-status") == "qualified"
    wait_pending(page, 4)  # the lead, the customer, the contact, the lead's links

    ctx.set_offline(False)
    sync(page)
    assert pending(page) == 0
    [(lead_id, status, customer_id, contact_id)] = server.query(
        "SELECT id, status, qualified_customer_id, qualified_contact_id FROM leads "
        "WHERE name = ?", f"Zhang Min {tag}")
    assert status == "qualified" and customer_id != existing_id
    assert server.query("SELECT name, owner_id IS NOT NULL FROM customers WHERE id = ?",
                        customer_id) == [(f"Suzhou Pumps {tag} Valves", 1)]
    assert server.query("SELECT customer_id, name, phone FROM contacts WHERE id = ?",
                        contact_id) == [(customer_id, f"Zhang Min {tag}", "+86 138 0013 8000")]
    # The pulled lead is the phone's: its own scope key, its links as sent.
    [mine] = [x for x in local_all(page, "leads") if x["id"] == lead_id]
    assert (mine["customer_id"], mine["qualified_customer_id"]) == (lead_id, customer_id)


def test_disqualify_needs_a_reason_in_chinese(server, phone):
    tag = uuid.uuid4().hex[:6]
    ctx = phone("zh-CN")
    page = ctx.new_page()
    login(page, server, "rep2@demo")
    page.get_by_test_id("nav-leads").click()
    page.get_by_test_id("lead-new").click()
    page.get_by_test_id("lead-name").fill(f"王芳 {tag}")
    page.get_by_test_id("lead-save").click()
    page.get_by_test_id("lead-item").filter(has_text=f"王芳 {tag}").get_by_role("link").click()
    page.get_by_test_id("lead-disqualify").click()
    page.get_by_test_id("disqualify-save").click()
    page.get_by_text("请填写作废原因。").wait_for()
    page.get_by_test_id("disqualify-reason").fill("无预算")
    page.get_by_test_id("disqualify-save").click()
    page.get_by_test_id("lead-disqualified").wait_for()
    sync(page)
    assert server.query("SELECT status, disqualify_reason FROM leads WHERE name = ?",
                        f"王芳 {tag}") == [("disqualified", "无预算")]
