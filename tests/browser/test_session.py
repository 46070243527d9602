"""Sessions and scale: an expired access token is refreshed once and the sync retried; a
refused refresh asks to sign in again without losing data; the account list stays fast
with 5,000 customers."""

import uuid

import requests

from .pwa_pages import local, local_all, login, meta, pending, set_meta, sync, wait_idle


def test_expired_access_token_is_refreshed_and_sync_retried(server, phone):
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    set_meta(page, "auth", {**meta(page, "auth"), "access_token": "not-a-valid-token"})
    sync(page)
    assert meta(page, "auth")["access_token"] != "not-a-valid-token"

def test_refused_refresh_keeps_data_and_asks_to_sign_in(server, phone):
    name = f"Kept {uuid.uuid4().hex[:6]}"
    customer_id = server.create_customer("rep1@demo", name)
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    sync(page)
    set_meta(page, "auth", {"access_token": "bad", "refresh_token": "also-bad"})
    page.get_by_test_id("sync-now").click()
    page.locator("[data-testid=sync-status][data-state=auth]").wait_for()
    page.reload()
    page.get_by_test_id("account-list").wait_for()      # still signed in on the phone
    assert local(page, "customers", customer_id)["name"] == name

def test_account_search_stays_fast_with_5000_customers(server, phone):
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    page.evaluate("""async () => {
      const { db } = await import('/static/js/db.js');
      const store = await import('/static/js/store.js');
      const cities = ['Wuxi', 'Suzhou', 'Nantong', 'Changzhou', 'Hangzhou'];
      const customers = [], contacts = [];
      for (let i = 0; i < 5000; i++) {
        const id = `bulk-${i}`;
        customers.push({ id, customer_id: id, name: `Bulk Customer ${i}`, city: cities[i % 5],
                         abc_class: 'ABC'[i % 3] });
        contacts.push({ id: `bulk-contact-${i}`, customer_id: id, name: `Contact Person ${i}` });
      }
      await db().customers.bulkPut(customers);
      await db().contacts.bulkPut(contacts);
      store.notify();
    }""")
    page.get_by_test_id("account-count").filter(has_text="5").wait_for()
    timings = []
    for term in ["Contact Person 4242", "Hangzhou", "bulk customer 49"]:
        elapsed = page.evaluate("""async (term) => {
          const input = document.querySelector('[data-testid=account-search]');
          const t0 = performance.now();
          input.value = term;
          input.dispatchEvent(new Event('input', { bubbles: true }));
          await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
          return performance.now() - t0;
        }""", term)
        timings.append(elapsed)
        assert page.get_by_test_id("account-item").count() <= 50
    assert page.get_by_test_id("account-item").first.inner_text().startswith("Bulk Customer 49")
    assert max(timings) < 250, timings
    page.get_by_test_id("account-search").fill("Contact Person 4242")
    assert page.get_by_test_id("account-item").count() == 1
    assert pending(page) == 0
    wait_idle(page)

def test_logout_revokes_and_wipes_the_phone(server, phone):
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    refresh_token = meta(page, "auth")["refresh_token"]
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-email").wait_for()
    assert meta(page, "auth") is None and local_all(page, "customers") == []

    r = requests.post(f"{server.url}/api/v1/auth/refresh", timeout=10,
                      headers={"Authorization": f"Bearer {refresh_token}"})
    assert r.status_code == 401
