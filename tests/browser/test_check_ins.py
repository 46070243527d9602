"""Check-in and check-out on site (签到/签退) in Chromium, with Playwright's own geolocation
emulation (context.set_geolocation, grant_permissions): offline, near and far from the
customer, denied permission, low accuracy, and the customer's location from a check-in."""

import time
import uuid

import pytest
import requests

from .pwa_pages import local, login, open_customer, shot, sync, wait_pending

# A customer's gate in Wuxi, a spot about 111 m north of it, and one about 2.2 km away.
SITE = {"latitude": 31.4912, "longitude": 120.3119}
NEAR = {"latitude": 31.4922, "longitude": 120.3119, "accuracy": 15}
AWAY = {"latitude": 31.5112, "longitude": 120.3119, "accuracy": 20}


def located_phone(phone, server, position):
    """A phone context whose browser grants geolocation and reports ``position``."""
    ctx = phone()
    ctx.grant_permissions(["geolocation"], origin=server.url)
    ctx.set_geolocation(position)
    return ctx


def check(page, kind, count):
    """Tap check-in or check-out and wait for the ``count``-th check-in of the visit."""
    page.get_by_test_id(f"check-{kind}").click()
    items = page.get_by_test_id("checkin-item")
    items.nth(count - 1).wait_for()
    assert items.count() == count
    return items.nth(count - 1)


def check_ins_on_server(server, email, visit_id):
    token = server.login(email)["access_token"]
    r = requests.get(f"{server.url}/api/v1/check-ins", params={"visit_id": visit_id},
                     headers={"Authorization": f"Bearer {token}"}, timeout=10)
    r.raise_for_status()
    return sorted(r.json()["items"], key=lambda c: c["device_at"])


def visit_id_of(page, customer_id):
    """The id of the visit being logged at this customer (its check-ins carry it)."""
    return page.evaluate("""async (customerId) => {
      const store = await import('/static/js/store.js');
      const [first] = await store.ofCustomer('check_ins', customerId);
      return first?.visit_id;
    }""", customer_id)


def test_offline_check_in_near_and_far_syncs_with_device_and_server_time(server, phone):
    name = f"Gate Works {uuid.uuid4().hex[:6]}"
    customer_id = server.create_customer("rep1@demo", name, city="Wuxi")
    ctx = located_phone(phone, server, NEAR)
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    ctx.set_offline(True)

    # The customer's location, typed on the customer screen, offline.
    open_customer(page, name)
    page.get_by_test_id("location-edit").click()
    page.get_by_test_id("edit-latitude").fill(str(SITE["latitude"]))
    page.get_by_test_id("edit-longitude").fill(str(SITE["longitude"]))
    page.get_by_test_id("location-save").click()
    page.get_by_test_id("customer-location").wait_for()
    assert local(page, "customers", customer_id)["latitude"] == SITE["latitude"]

    # On the visit: check in at the gate, check out from 2.2 km away (flagged, not refused).
    page.get_by_test_id("log-visit").click()
    near = check(page, "in", 1)
    assert near.get_attribute("data-reason") == "", near.inner_text()  # not blocked
    assert float(near.get_attribute("data-distance")) == pytest.approx(111.2, abs=0.2)
    assert near.get_attribute("data-far") == "0"
    ctx.set_geolocation(AWAY)
    away = check(page, "out", 2)
    assert float(away.get_attribute("data-distance")) == pytest.approx(2223.9, abs=0.5)
    assert away.get_attribute("data-far") == "1"
    away.get_by_test_id("checkin-far").wait_for()
    shot(page, "visit-checkin-en")
    visit_id = visit_id_of(page, customer_id)
    page.get_by_test_id("visit-purpose").fill("Sign the trial order")
    page.get_by_test_id("visit-save").click()
    page.get_by_test_id("customer-name").wait_for()
    wait_pending(page, 4)  # the location, two check-ins, the visit
    time.sleep(1.5)  # a late upload: the server receives them after the phone took them

    ctx.set_offline(False)
    sync(page)
    rows = check_ins_on_server(server, "manager@demo", visit_id)
    assert [(r["kind"], r["far"]) for r in rows] == [("in", False), ("out", True)]
    assert rows[1]["distance_m"] == pytest.approx(2223.9, abs=0.5)
    for row in rows:
        late = _seconds(row["received_at"]) - _seconds(row["device_at"])
        assert 1.0 <= late < 120, row
    assert server.query("SELECT purpose FROM visits WHERE id = ?", visit_id) == [
        ("Sign the trial order",)]


def test_denied_permission_records_why_and_the_visit_still_saves(server, phone):
    name = f"Basement Site {uuid.uuid4().hex[:6]}"
    customer_id = server.create_customer("rep1@demo", name, **SITE)
    ctx = phone()  # geolocation never granted: the browser denies it
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    open_customer(page, name)
    page.get_by_test_id("log-visit").click()
    item = check(page, "in", 1)
    assert item.get_attribute("data-reason") == "denied"
    assert item.get_attribute("data-distance") == ""
    assert "permission denied" in item.get_by_test_id("checkin-reason").inner_text()
    visit_id = visit_id_of(page, customer_id)
    page.get_by_test_id("visit-purpose").fill("Inspect the pump room")
    page.get_by_test_id("visit-save").click()
    page.get_by_test_id("customer-name").wait_for()  # saved: back on the customer
    assert page.get_by_test_id("visit-item").count() == 1
    sync(page)
    [row] = check_ins_on_server(server, "rep1@demo", visit_id)
    assert (row["no_position_reason"], row["latitude"], row["distance_m"]) == ("denied", None,
                                                                               None)
    assert server.query("SELECT customer_id FROM visits WHERE id = ?", visit_id) == [
        (customer_id,)]


def test_set_customer_location_from_a_check_in_and_low_accuracy(server, phone):
    name = f"New Plant {uuid.uuid4().hex[:6]}"
    customer_id = server.create_customer("rep1@demo", name)
    ctx = located_phone(phone, server, NEAR)
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    page.goto(f"{server.url}/#/c/{customer_id}/visit")
    first = check(page, "in", 1)
    assert first.get_attribute("data-distance") == ""  # the customer has no location yet
    first.get_by_test_id("checkin-set-location").click()
    first.get_by_test_id("checkin-set-location").wait_for(state="detached")
    placed = local(page, "customers", customer_id)
    assert (placed["latitude"], placed["longitude"]) == (NEAR["latitude"], NEAR["longitude"])

    # A coarse fix (cell towers): kept, with its coordinates, and marked low accuracy.
    ctx.set_geolocation({**AWAY, "accuracy": 2500})
    coarse = check(page, "out", 2)
    assert coarse.get_attribute("data-reason") == "low_accuracy"
    assert float(coarse.get_attribute("data-distance")) == pytest.approx(2112.7, abs=0.5)
    sync(page)
    assert server.query("SELECT latitude, longitude FROM customers WHERE id = ?",
                        customer_id) == [(NEAR["latitude"], NEAR["longitude"])]
    reasons = server.query("SELECT kind, no_position_reason, latitude IS NOT NULL FROM "
                           "check_ins WHERE customer_id = ? ORDER BY device_at", customer_id)
    assert reasons == [("in", None, 1), ("out", "low_accuracy", 1)]


def _seconds(text):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
