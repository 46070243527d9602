"""Every access rule of docs/access.md, each attacked through the REST API."""

import pytest
from api_helpers import (
    API,
    assert_error,
    contact,
    customer,
    new_id,
    opportunity,
    personal,
    task,
    visit,
)


@pytest.fixture
def world(client, auth, org):
    """A customer of rep1 (team A) and one of rep_b (team B), each with a full subtree."""
    rows = {}
    for who in ("rep1", "rep_b"):
        headers = auth.headers(getattr(org, who))
        cust = customer(client, headers, f"Customer of {who}")
        person = contact(client, headers, cust["id"], name=f"Contact of {who}")
        personal(client, headers, person, hometown=f"Hometown of {who}")
        rows[who] = {
            "customers": cust["id"], "contacts": person["id"], "contact-personal": person["id"],
            "opportunities": opportunity(client, headers, cust["id"])["id"],
            "visits": visit(client, headers, cust["id"])["id"],
            "tasks": task(client, headers, cust["id"])["id"],
        }
    return rows


PATCHES = {"customers": {"city": "Hacked"}, "contacts": {"title": "Hacked"},
           "contact-personal": {"hometown": "Hacked"}, "opportunities": {"notes": "Hacked"},
           "visits": {"notes": "Hacked"}, "tasks": {"who": "Hacked"}}


def _can_read(client, headers, collection, key):
    response = client.get(f"{API}/{collection}/{key}", headers=headers)
    if response.status_code == 404:
        assert_error(response, 404)
        return False
    assert response.status_code == 200, response.get_json()
    listed = client.get(f"{API}/{collection}?page_size=200", headers=headers).get_json()
    assert key in [item["id"] for item in listed["items"]], "read but not listed"
    return True


def _assert_hidden(client, headers, collection, key):
    assert_error(client.get(f"{API}/{collection}/{key}", headers=headers), 404)
    listed = client.get(f"{API}/{collection}?page_size=200", headers=headers).get_json()
    assert key not in [item["id"] for item in listed["items"]]
    assert_error(client.patch(f"{API}/{collection}/{key}", headers=headers,
                              json=PATCHES[collection]), 404)
    assert_error(client.delete(f"{API}/{collection}/{key}", headers=headers), 404)


@pytest.mark.parametrize("intruder,victim", [("rep2", "rep1"), ("rep_b", "rep1"),
                                             ("manager_b", "rep1"), ("manager", "rep_b")])
def test_out_of_scope_is_invisible_and_unwritable(client, auth, org, world, intruder, victim):
    headers = auth.headers(getattr(org, intruder))
    owner = auth.headers(getattr(org, victim))
    for collection in PATCHES:
        _assert_hidden(client, headers, collection, world[victim][collection])
        row = client.get(f"{API}/{collection}/{world[victim][collection]}", headers=owner)
        assert row.status_code == 200 and "Hacked" not in row.get_data(as_text=True)


@pytest.mark.parametrize("who", ["rep1", "manager", "admin"])
def test_owner_their_manager_and_admins_read_and_write(client, auth, org, world, who):
    headers = auth.headers(getattr(org, who))
    for collection, change in PATCHES.items():
        key = world["rep1"][collection]
        assert _can_read(client, headers, collection, key)
        response = client.patch(f"{API}/{collection}/{key}", headers=headers, json=change)
        assert response.status_code == 200, response.get_json()
        assert "Hacked" in response.get_data(as_text=True)


def test_a_rep_cannot_create_under_another_reps_customer(client, auth, org, world):
    headers = auth.headers(org.rep2)
    victim = world["rep1"]["customers"]
    for collection, body in [("contacts", {"name": "Spy"}),
                             ("opportunities", {"name": "Steal"}),
                             ("tasks", {"what": "Spy"}),
                             ("competitors", {"competitor": "Spy"})]:
        response = client.post(f"{API}/{collection}", headers=headers,
                               json={"customer_id": victim, **body})
        assert_error(response, 404)


def test_shared_rep_reads_and_writes_but_not_personal_data(client, auth, org, world):
    owner, shared = auth.headers(org.rep1), auth.headers(org.rep2)
    rows = world["rep1"]
    response = client.post(f"{API}/customers/{rows['customers']}/shares", headers=owner,
                           json={"user_id": org.rep2.id})
    assert response.status_code == 201
    for collection in ("customers", "contacts", "opportunities", "visits", "tasks"):
        assert _can_read(client, shared, collection, rows[collection])
        response = client.patch(f"{API}/{collection}/{rows[collection]}", headers=shared,
                                json=PATCHES[collection])
        assert response.status_code == 200, (collection, response.get_json())
    _assert_hidden(client, shared, "contact-personal", rows["contact-personal"])
    # not through search either
    found = client.get(f"{API}/contact-personal?q=Hometown", headers=shared).get_json()
    assert found["total"] == 0
    found = client.get(f"{API}/customers?q=Hometown", headers=shared).get_json()
    assert found["total"] == 0
    # nor by creating it afresh
    person = contact(client, shared, rows["customers"], name="New contact")
    response = client.post(f"{API}/contact-personal", headers=shared, json={
        "id": person["id"], "customer_id": rows["customers"], "hometown": "x"})
    assert_error(response, 404)
    # a shared rep does not delete the customer
    assert_error(client.delete(f"{API}/customers/{rows['customers']}", headers=shared), 403)


def test_personal_data_search_is_scoped(client, auth, org, world):
    def found(who):
        page = client.get(f"{API}/contact-personal?q=hometown", headers=auth.headers(who))
        return sorted(item["hometown"] for item in page.get_json()["items"])

    assert found(org.rep1) == ["Hometown of rep1"]
    assert found(org.manager) == ["Hometown of rep1"]
    assert found(org.manager_b) == ["Hometown of rep_b"]
    assert found(org.admin) == ["Hometown of rep1", "Hometown of rep_b"]
    assert found(org.rep2) == []


def test_reps_cannot_reassign(client, auth, org, world):
    key = world["rep1"]["customers"]
    response = client.patch(f"{API}/customers/{key}", headers=auth.headers(org.rep1),
                            json={"owner_id": org.rep2.id})
    assert_error(response, 403)


def test_a_manager_reassigns_only_within_their_team(client, auth, org, world):
    key = world["rep1"]["customers"]
    headers = auth.headers(org.manager)
    assert_error(client.patch(f"{API}/customers/{key}", headers=headers,
                              json={"owner_id": org.rep_b.id}), 403)
    response = client.patch(f"{API}/customers/{key}", headers=headers,
                            json={"owner_id": org.rep2.id})
    assert response.status_code == 200 and response.get_json()["owner_id"] == org.rep2.id


@pytest.mark.parametrize("who", ["rep1", "manager"])
def test_server_authoritative_opportunity_fields(client, auth, org, world, who):
    key = world["rep1"]["opportunities"]
    headers = auth.headers(getattr(org, who))
    for field, value in [("milestone", 6), ("probability", 100), ("status", "won"),
                         ("lost_reason", "price"), ("stage_entered_at", "2025-01-01T00:00:00Z")]:
        body = assert_error(client.patch(f"{API}/opportunities/{key}", headers=headers,
                                         json={field: value}), 422)
        assert field in body["errors"]["json"]
        body = assert_error(client.post(f"{API}/opportunities", headers=headers, json={
            "customer_id": world["rep1"]["customers"], "name": "Sneaky", field: value}), 422)
        assert field in body["errors"]["json"]
    row = client.get(f"{API}/opportunities/{key}", headers=headers).get_json()
    assert (row["milestone"], row["probability"], row["status"]) == (1, 5, "open")


STAGE = {"number": 9, "key": "extra_stage", "name_en": "Extra", "name_zh": "额外",
         "probability": 90}


@pytest.mark.parametrize("who", ["rep1", "manager"])
def test_only_admins_write_the_stage_template(client, auth, org, who):
    headers = auth.headers(getattr(org, who))
    assert_error(client.post(f"{API}/stages", headers=headers, json=STAGE), 403)
    admin = auth.headers(org.admin)
    stage = client.post(f"{API}/stages", headers=admin, json=STAGE).get_json()
    assert client.get(f"{API}/stages/{stage['id']}", headers=headers).status_code == 200
    assert_error(client.patch(f"{API}/stages/{stage['id']}", headers=headers,
                              json={"probability": 1}), 403)
    assert_error(client.delete(f"{API}/stages/{stage['id']}", headers=headers), 403)


@pytest.mark.parametrize("who", ["rep1", "manager"])
def test_only_admins_write_users_and_teams(client, auth, org, who):
    headers = auth.headers(getattr(org, who))
    user = {"email": "new@example.com", "name": "New", "role": "rep", "password": "long enough pw"}
    assert_error(client.post(f"{API}/users", headers=headers, json=user), 403)
    assert_error(client.patch(f"{API}/users/{org.rep1.id}", headers=headers,
                              json={"role": "admin"}), 403)
    assert_error(client.post(f"{API}/teams", headers=headers, json={"name": "Rogue"}), 403)
    assert_error(client.patch(f"{API}/teams/{org.team_a.id}", headers=headers,
                              json={"manager_id": org.manager_b.id}), 403)
    assert_error(client.delete(f"{API}/teams/{org.team_b.id}", headers=headers), 403)


def test_who_reads_which_users(client, auth, org):
    def seen(who):
        page = client.get(f"{API}/users?page_size=200", headers=auth.headers(who)).get_json()
        return {item["email"] for item in page["items"]}

    everyone = {u.email for u in (org.admin, org.manager, org.rep1, org.rep2, org.manager_b,
                                  org.rep_b)}
    assert seen(org.admin) == everyone
    assert seen(org.manager) == {org.manager.email, org.rep1.email, org.rep2.email}
    assert seen(org.rep1) == {org.rep1.email}
    assert client.get(f"{API}/users/{org.rep1.id}",
                      headers=auth.headers(org.rep1)).status_code == 200
    assert_error(client.get(f"{API}/users/{org.rep2.id}", headers=auth.headers(org.rep1)), 404)
    assert_error(client.get(f"{API}/users/{org.rep_b.id}", headers=auth.headers(org.manager)),
                 404)


def test_deals_are_handed_on_by_the_same_rule_as_customers(client, auth, org, world):
    """A deal's owner decides whose pipeline and forecast it counts in: a rep cannot
    create one for a colleague or hand theirs on; a manager hands deals within their
    teams; an admin to any active user; nobody to a user who does not exist."""
    key, deal = world["rep1"]["customers"], world["rep1"]["opportunities"]
    rep1, manager, admin = (auth.headers(u) for u in (org.rep1, org.manager, org.admin))

    def hand(headers, owner_id):
        return client.patch(f"{API}/opportunities/{deal}", headers=headers,
                            json={"owner_id": owner_id})

    assert_error(client.post(f"{API}/opportunities", headers=rep1, json={
        "customer_id": key, "name": "For a colleague", "owner_id": org.rep2.id}), 403)
    assert_error(hand(rep1, org.rep2.id), 403)
    assert hand(rep1, org.rep1.id).status_code == 200  # naming the owner it has: no change
    assert_error(hand(manager, org.rep_b.id), 403)
    assert_error(hand(manager, new_id()), 422)
    # Nobody is given a deal on an account they cannot open: share it first.
    assert_error(hand(manager, org.rep2.id), 422)
    client.post(f"{API}/customers/{key}/shares", headers=rep1, json={"user_id": org.rep2.id})
    assert hand(manager, org.rep2.id).get_json()["owner_id"] == org.rep2.id
    assert_error(hand(admin, new_id()), 422)
    assert_error(hand(admin, org.rep_b.id), 422)
    client.post(f"{API}/customers/{key}/shares", headers=rep1, json={"user_id": org.rep_b.id})
    assert hand(admin, org.rep_b.id).get_json()["owner_id"] == org.rep_b.id
    assert hand(admin, org.rep1.id).get_json()["owner_id"] == org.rep1.id
    # A rep at a customer shared with them cannot take the deal over either.
    rep2 = auth.headers(org.rep2)
    assert client.get(f"{API}/opportunities/{deal}", headers=rep2).status_code == 200
    assert_error(client.patch(f"{API}/opportunities/{deal}", headers=rep2,
                              json={"owner_id": org.rep2.id}), 403)


def test_a_pushed_deal_for_a_colleague_is_refused(client, auth, org, world):
    from tests.sync_helpers import Device

    phone = Device(client, auth.headers(org.rep1))
    deal = new_id()
    result = phone.push(phone.put("opportunities", deal, {
        "customer_id": world["rep1"]["customers"], "name": "Sneaky", "owner_id": org.rep2.id}))
    assert result["results"][0]["status"] == "rejected"
    assert result["results"][0]["reason"] == "forbidden"
    assert_error(client.get(f"{API}/opportunities/{deal}", headers=auth.headers(org.rep1)), 404)


def test_a_customer_goes_to_no_unknown_user(client, auth, org, world):
    key = world["rep1"]["customers"]
    assert_error(client.patch(f"{API}/customers/{key}", headers=auth.headers(org.admin),
                              json={"owner_id": new_id()}), 422)
    assert_error(client.post(f"{API}/customers", headers=auth.headers(org.manager),
                             json={"name": "Elsewhere", "owner_id": org.rep_b.id}), 403)
