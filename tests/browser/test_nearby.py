"""'Near me' (附近客户) in Chromium with Playwright's geolocation emulation: offline, the rep's
customers nearest first with their distances, navigate and call links; denied permission
says why and lists nothing; and the bench's timing of the sort runs (bench/app.py)."""

import math
import uuid

import pytest

from bench import app as app_bench
from bench.common import Results

from .pwa_pages import login, wait_idle

# A street corner in Kunming: no other test puts customers anywhere near it.
HERE = {"latitude": 25.0400, "longitude": 102.7100, "accuracy": 10}


def metres(a, b):
    """Haversine, as pwa/static/js/checkin.js distanceM (same Earth radius)."""
    rad = math.radians
    h = (math.sin(rad(b["latitude"] - a["latitude"]) / 2) ** 2 + math.cos(rad(a["latitude"]))
         * math.cos(rad(b["latitude"])) * math.sin(rad(b["longitude"] - a["longitude"]) / 2) ** 2)
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def add_contact(server, email, customer_id, name, phone):
    server.create(email, "contacts", {"customer_id": customer_id, "name": name, "phone": phone})


@pytest.fixture
def three_customers(server):
    """Three customers of rep1 around HERE (listed far, nearest, middle) and one without a
    location: {label: (id, name, position)}."""
    tag = uuid.uuid4().hex[:6]
    spots = {"far": (25.0500, 102.7150), "nearest": (25.0402, 102.7100),
             "middle": (25.0400, 102.7150)}
    made = {}
    for label, (lat, lng) in spots.items():
        name = f"Near {label} {tag}"
        fields = {"phone": "0871-6543 2100"} if label == "nearest" else {}
        key = server.create_customer("rep1@demo", name, city="Kunming", latitude=lat,
                                     longitude=lng, **fields)
        made[label] = (key, name, {"latitude": lat, "longitude": lng})
    add_contact(server, "rep1@demo", made["middle"][0], "Li Wei", "139 1234 5678")
    made["unplaced"] = (server.create_customer("rep1@demo", f"Near nowhere {tag}"), None, None)
    return made


def test_offline_near_me_lists_nearest_first_with_distances_and_links(server, phone,
                                                                       three_customers):
    ctx = phone()
    ctx.grant_permissions(["geolocation"], origin=server.url)
    ctx.set_geolocation(HERE)
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    wait_idle(page)
    ctx.set_offline(True)
    page.get_by_test_id("nav-today").click()
    page.get_by_test_id("open-nearby").click()
    page.get_by_test_id("nearby-list").wait_for()

    items = page.get_by_test_id("nearby-item")
    first = [items.nth(i) for i in range(3)]
    ids = [item.get_attribute("data-id") for item in first]
    assert ids == [three_customers[k][0] for k in ("nearest", "middle", "far")]
    for item, label in zip(first, ("nearest", "middle", "far"), strict=True):
        expected = metres(HERE, three_customers[label][2])
        assert float(item.get_attribute("data-distance")) == pytest.approx(expected, abs=0.2)
    assert [i.get_by_test_id("nearby-distance").inner_text() for i in first] == [
        "22 m", "504 m", "1.2 km"]

    nearest = first[0]
    navigate = nearest.get_by_test_id("nearby-navigate").get_attribute("href")
    assert navigate.startswith("geo:25.0402,102.71?q=25.0402,102.71(Near%20nearest")
    assert "position=102.71%2C25.0402" in nearest.get_by_test_id("nearby-map").get_attribute("href")
    assert nearest.get_by_test_id("nearby-call").get_attribute("href") == "tel:087165432100"
    # No phone of its own: a contact's; none at all: no call button.
    middle_call = first[1].get_by_test_id("nearby-call")
    assert middle_call.get_attribute("href") == "tel:13912345678"
    assert "Li Wei" in middle_call.inner_text()
    assert first[2].get_by_test_id("nearby-call").count() == 0

    # The customer without a location is counted, not listed.
    unplaced = three_customers["unplaced"][0]
    assert page.locator(f"[data-testid=nearby-item][data-id='{unplaced}']").count() == 0
    assert int(page.get_by_test_id("nearby-unlocated").get_attribute("data-count")) >= 1


def test_denied_location_says_why_and_lists_nothing(server, phone, three_customers):
    ctx = phone()  # geolocation never granted: the browser denies it
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    page.goto(server.url + "/#/nearby")
    message = page.get_by_test_id("nearby-no-fix")
    message.wait_for()
    assert message.get_attribute("data-reason") == "denied"
    assert "permission denied" in message.inner_text()
    assert "cannot be put in order of distance" in message.inner_text()
    assert page.get_by_test_id("nearby-item").count() == 0


def test_bench_nearby_sort_runs_in_the_page(server, phone):
    """bench/app.py's nearby_sort_<n> on a small set, so the bench code cannot rot (the
    figure's shape only; never a timing)."""
    page = phone().new_page()
    page.goto(server.url + "/")
    results = Results()
    app_bench.nearby_sort(results, page, count=200, runs=3)
    figure = results.figures["nearby_sort_200"]
    assert figure["unit"] == "ms" and len(figure["runs"]) == 3 and figure["value"] >= 0
