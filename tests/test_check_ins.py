"""Check-ins on site (签到/签退) over REST and push: the server's receive time and distance,
append-only records, the far flag, validation and the team boundary."""

from datetime import UTC, datetime, timedelta

import pytest
from api_helpers import API, assert_error, create, customer, new_id, visit
from sync_helpers import Device

from server import config
from server.check_ins import distance_m

# A customer's gate in Wuxi, a spot 110 m north of it, and one about 2.2 km away.
SITE = {"latitude": 31.4912, "longitude": 120.3119}
NEAR = {"latitude": 31.4922, "longitude": 120.3119}
AWAY = {"latitude": 31.5112, "longitude": 120.3119}


def at(dt):
    return dt.isoformat().replace("+00:00", "Z")


def parsed(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_in(client, headers, customer_id, expect=201, **fields):
    body = {"customer_id": customer_id, "kind": "in", "device_at": at(datetime.now(UTC)),
            **NEAR, "accuracy_m": 12.0, **fields}
    return create(client, headers, "check-ins", body, expect=expect)


@pytest.fixture
def site(client, auth, org):
    """Rep 1's customer, with its location recorded."""
    return customer(client, auth.headers(org.rep1), name="Wuxi Steel", **SITE)["id"]


def test_haversine_to_the_decimetre():
    assert distance_m(0, 0, 1, 0) == 111195.1  # one degree of latitude
    assert distance_m(31.4912, 120.3119, 31.4912, 120.3119) == 0
    assert distance_m(SITE["latitude"], SITE["longitude"], NEAR["latitude"],
                      NEAR["longitude"]) == 111.2


def test_rest_check_in_gets_server_time_distance_and_author(client, auth, org, site):
    headers = auth.headers(org.rep1)
    before = datetime.now(UTC)
    # A device's receive time, distance and flag are replaced by the server's.
    row = check_in(client, headers, site, received_at="2001-01-01T00:00:00Z",
                   distance_m=0.0, far=True)
    assert before - timedelta(seconds=1) <= parsed(row["received_at"]) \
        <= datetime.now(UTC) + timedelta(seconds=1)
    assert row["distance_m"] == 111.2
    assert row["far"] is False
    assert row["user_id"] == org.rep1.id
    assert row["no_position_reason"] is None
    assert client.get(f"{API}/check-ins/{row['id']}", headers=headers).get_json() == row


def test_far_is_flagged_not_refused_and_follows_the_setting(app, client, auth, org, site):
    headers = auth.headers(org.rep1)
    away = check_in(client, headers, site, **AWAY)
    assert away["distance_m"] == pytest.approx(2223.9, abs=0.5)
    assert away["far"] is True
    app.config["CHECKIN_FAR_METERS"] = 5000
    assert check_in(client, headers, site, **AWAY)["far"] is False
    assert client.get(f"{API}/meta").get_json()["checkin_far_meters"] == 5000


def test_without_a_customer_location_there_is_no_distance(client, auth, org):
    headers = auth.headers(org.rep1)
    unplaced = customer(client, headers, name="Nowhere Yet")["id"]
    row = check_in(client, headers, unplaced)
    assert (row["distance_m"], row["far"]) == (None, False)


def test_no_position_says_why_and_low_accuracy_keeps_coordinates(client, auth, org, site):
    headers = auth.headers(org.rep1)
    denied = check_in(client, headers, site, latitude=None, longitude=None, accuracy_m=None,
                      no_position_reason="denied")
    assert (denied["latitude"], denied["distance_m"], denied["far"]) == (None, None, False)
    coarse = check_in(client, headers, site, accuracy_m=2500.0,
                      no_position_reason="low_accuracy")
    assert (coarse["latitude"], coarse["distance_m"]) == (NEAR["latitude"], 111.2)


@pytest.mark.parametrize("bad, field", [
    ({"latitude": 90.5}, "latitude"),
    ({"longitude": -180.01}, "longitude"),
    ({"longitude": None}, "longitude"),  # a latitude alone
    ({"latitude": None, "longitude": None}, "no_position_reason"),  # no position, no reason
    ({"no_position_reason": "timeout"}, "no_position_reason"),  # a position and a timeout
    ({"kind": "lunch"}, "kind"),
    ({"accuracy_m": -1}, "accuracy_m"),
    ({"device_at": "yesterday"}, "device_at"),
])
def test_invalid_check_ins_are_refused(client, auth, org, site, bad, field):
    response = client.post(f"{API}/check-ins", headers=auth.headers(org.rep1), json={
        "customer_id": site, "kind": "in", "device_at": at(datetime.now(UTC)), **NEAR, **bad})
    assert field in assert_error(response, 422)["errors"]["json"]


def test_customer_location_is_range_checked(client, auth, org, site):
    response = client.patch(f"{API}/customers/{site}", headers=auth.headers(org.rep1),
                            json={"latitude": 91})
    assert "latitude" in assert_error(response, 422)["errors"]["json"]


def test_push_late_upload_shows_device_and_receive_time(client, auth, org, site):
    headers = auth.headers(org.rep1)
    phone = Device(client, headers)
    key, visit_id = new_id(), new_id()
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    result = phone.push(phone.put("check_ins", key, {
        "customer_id": site, "visit_id": visit_id, "kind": "in", "device_at": at(three_days_ago),
        **AWAY, "accuracy_m": 8.0, "received_at": at(three_days_ago)}))
    assert result["results"][0]["status"] == "applied", result
    changes, _ = phone.pull()
    assert [c["id"] for c in changes if c["table"] == "check_ins"] == [key]
    row = client.get(f"{API}/check-ins/{key}", headers=auth.headers(org.manager)).get_json()
    late = parsed(row["received_at"]) - parsed(row["device_at"])
    assert timedelta(days=3) - timedelta(seconds=5) < late < timedelta(days=3, seconds=5)
    assert (row["far"], row["user_id"], row["visit_id"]) == (True, org.rep1.id, visit_id)
    assert row["distance_m"] == pytest.approx(2223.9, abs=0.5)
    # REST lists it by visit, customer and user, as the manager reads it.
    for query in (f"visit_id={visit_id}", f"customer_id={site}", f"user_id={org.rep1.id}",
                  "far=true"):
        listed = client.get(f"{API}/check-ins?{query}", headers=auth.headers(org.manager))
        assert [item["id"] for item in listed.get_json()["items"]] == [key], query


def test_a_check_in_is_never_changed_nor_deleted(client, auth, org, site):
    headers = auth.headers(org.rep1)
    phone = Device(client, headers)
    key = new_id()
    fields = {"customer_id": site, "kind": "in", "device_at": at(datetime.now(UTC)), **NEAR}
    assert phone.push(phone.put("check_ins", key, fields))["results"][0]["status"] == "applied"
    phone.pull()
    stored = client.get(f"{API}/check-ins/{key}", headers=headers).get_json()
    results = phone.push(
        phone.put("check_ins", key, {"latitude": 0.0, "longitude": 0.0}),
        phone.put("check_ins", key, {"kind": "out"}),
        phone.put("check_ins", key, fields),  # the same check-in again: nothing changes
        phone.delete("check_ins", key))["results"]
    assert [r.get("reason") for r in results] == ["read_only_field", "read_only_field", None,
                                                  "forbidden"], results
    assert client.get(f"{API}/check-ins/{key}", headers=headers).get_json() == stored
    refused = client.patch(f"{API}/check-ins/{key}", headers=headers, json={"kind": "out"})
    assert assert_error(refused, 422)["reason"] == "read_only_field"
    assert client.delete(f"{API}/check-ins/{key}", headers=headers).status_code == 405


def test_another_team_neither_sees_nor_writes_check_ins(client, auth, org, site):
    row = check_in(client, auth.headers(org.rep1), site)
    outsider = auth.headers(org.rep_b)
    assert_error(client.get(f"{API}/check-ins/{row['id']}", headers=outsider), 404)
    assert client.get(f"{API}/check-ins?customer_id={site}",
                      headers=outsider).get_json()["total"] == 0
    assert_error(client.post(f"{API}/check-ins", headers=outsider, json={
        "customer_id": site, "kind": "in", "device_at": at(datetime.now(UTC)), **NEAR}), 404)
    phone = Device(client, outsider)
    result = phone.push(phone.put("check_ins", new_id(), {
        "customer_id": site, "kind": "in", "device_at": at(datetime.now(UTC)), **NEAR}))
    assert result["results"][0]["reason"] == "not_found", result
    changes, _ = phone.pull()
    assert not [c for c in changes if c.get("table") == "check_ins"]
    # The team's manager reads it.
    assert client.get(f"{API}/check-ins/{row['id']}",
                      headers=auth.headers(org.manager)).status_code == 200


def test_check_ins_go_with_a_deleted_customer(client, auth, org, site):
    headers = auth.headers(org.rep1)
    row = check_in(client, headers, site)
    visit(client, headers, site)
    assert client.delete(f"{API}/customers/{site}", headers=headers).status_code == 204
    assert_error(client.get(f"{API}/check-ins/{row['id']}", headers=headers), 404)


def test_far_threshold_from_the_environment(monkeypatch):
    monkeypatch.setenv("FIELDBOOK_CHECKIN_FAR_METERS", "800")
    assert config.from_environment()["CHECKIN_FAR_METERS"] == 800
    for value in ("0", "-5", "far", "nan", "1e9"):
        monkeypatch.setenv("FIELDBOOK_CHECKIN_FAR_METERS", value)
        with pytest.raises(config.ConfigurationError, match="FIELDBOOK_CHECKIN_FAR_METERS"):
            config.from_environment()
