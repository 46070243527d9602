"""Leads (线索): captured over REST and push alike, seen by their owner, the owner's
manager and admins only; qualified into linked records in one transaction (or offline,
as a phone's puts); disqualified with a reason; duplicates looked for within scope."""

import json
from pathlib import Path

import sqlalchemy as sa
from api_helpers import API, assert_error, contact, create, customer, new_id, opportunity
from sync_helpers import Device, checksums_consistent

from server.extensions import db
from server.leads import names_alike, normal_name, phones_alike
from server.models import Contact, Customer, Lead, Opportunity

LEADS = f"{API}/leads"


def lead(client, headers, name="Zhang Min", expect=201, **fields):
    body = {"name": name, "company": "Suzhou Pumps", "phone": "138 0013 8000",
            "source": "exhibition", **fields}
    return create(client, headers, "leads", body, expect=expect)


def pulled(device, table):
    changes, _page = device.pull()
    return {c["id"]: c["data"] for c in changes if c.get("table") == table and c["op"] == "put"}


def counts():
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Customer, Contact, Opportunity))


def test_capture_over_rest_and_push(client, auth, org):
    headers = auth.headers(org.rep1)
    made = lead(client, headers, note="Met at the Shanghai fair")
    assert (made["owner_id"], made["status"]) == (org.rep1.id, "new")
    phone = Device(client, headers)
    key = new_id()
    result = phone.push(phone.put("leads", key, {"name": "Wang Fang", "company": "Hangzhou Gears",
                                                 "phone": "0571 8888 1234",
                                                 "source": "referral"}))
    assert result["results"][0]["status"] == "applied", result
    listed = client.get(LEADS, headers=headers).get_json()
    assert {item["id"] for item in listed["items"]} == {made["id"], key}
    assert set(pulled(Device(client, headers), "leads")) == {made["id"], key}
    for bad in ({"source": "rumour"}, {"status": "maybe"}, {"name": ""}, {"email": "nope"}):
        body = {"name": "X", **bad}
        errors = assert_error(client.post(LEADS, headers=headers, json=body), 422)
        assert set(errors["errors"]["json"]) == set(bad)
    assert checksums_consistent(org.rep1)


def test_scope_owner_their_manager_and_admins_only(client, auth, org):
    made = lead(client, auth.headers(org.rep1))
    path = f"{LEADS}/{made['id']}"
    for user in (org.rep1, org.manager, org.admin):
        assert client.get(path, headers=auth.headers(user)).status_code == 200
        assert made["id"] in pulled(Device(client, auth.headers(user)), "leads")
    for user in (org.rep2, org.rep_b, org.manager_b):
        headers = auth.headers(user)
        missing = assert_error(client.get(path, headers=headers), 404)
        assert assert_error(client.patch(path, headers=headers, json={"note": "mine"}),
                            404) == missing
        assert made["id"] not in pulled(Device(client, headers), "leads")
        phone = Device(client, headers)
        answer = phone.push(phone.put("leads", made["id"], {"note": "mine"}))["results"][0]
        assert (answer["status"], answer["reason"]) == ("rejected", "not_found")
        assert_error(client.post(f"{path}/disqualify", headers=headers,
                                 json={"reason": "spam"}), 404)
        assert_error(client.post(f"{path}/qualify", headers=headers, json={}), 404)
    assert client.get(path, headers=auth.headers(org.rep1)).get_json()["note"] == ""
    # A rep makes leads for themselves; the manager hands one to a rep of their team.
    rep_headers = auth.headers(org.rep1)
    assert_error(client.patch(path, headers=rep_headers, json={"owner_id": org.rep2.id}), 403)
    moved = client.patch(path, headers=auth.headers(org.manager), json={"owner_id": org.rep2.id})
    assert moved.status_code == 200, moved.get_json()
    assert_error(client.get(path, headers=rep_headers), 404)
    assert client.get(path, headers=auth.headers(org.rep2)).status_code == 200
    for user in (org.rep1, org.rep2, org.manager, org.manager_b, org.admin):
        assert checksums_consistent(user)


def test_a_lead_follows_its_owner_to_a_new_team(client, auth, org):
    made = lead(client, auth.headers(org.rep1))
    old_manager = Device(client, auth.headers(org.manager))
    new_manager = Device(client, auth.headers(org.manager_b))
    assert made["id"] in pulled(old_manager, "leads")
    assert pulled(new_manager, "leads") == {}
    moved = client.patch(f"{API}/users/{org.rep1.id}", headers=auth.headers(org.admin),
                         json={"team_id": org.team_b.id})
    assert moved.status_code == 200, moved.get_json()
    changes, _page = old_manager.pull()
    assert any(c["op"] == "evict" and c["customer_id"] == made["id"] for c in changes)
    assert made["id"] in pulled(new_manager, "leads")
    for user in (org.manager, org.manager_b):
        assert checksums_consistent(user)


def test_qualify_creates_linked_records_in_one_transaction(client, auth, org):
    headers = auth.headers(org.rep1)
    made = lead(client, headers, email="zhang@pumps.test")
    before = counts()
    # A refusal anywhere (here the opportunity's) makes nothing: no customer, no contact.
    failed = client.post(f"{LEADS}/{made['id']}/qualify", headers=headers, json={
        "customer": {"name": "Suzhou Pumps Co.", "city": "Suzhou"},
        "opportunity": {"name": "", "amount": 5000}})
    body = assert_error(failed, 422)
    assert "opportunity" in body["errors"]["json"]
    assert counts() == before
    assert client.get(f"{LEADS}/{made['id']}", headers=headers).get_json()["status"] == "new"

    done = client.post(f"{LEADS}/{made['id']}/qualify", headers=headers, json={
        "customer": {"name": "Suzhou Pumps Co.", "city": "Suzhou"},
        "opportunity": {"name": "Pump line retrofit", "amount": 5000}})
    assert done.status_code == 200, done.get_json()
    qualified = done.get_json()
    assert qualified["status"] == "qualified"
    new_customer = client.get(f"{API}/customers/{qualified['qualified_customer_id']}",
                              headers=headers).get_json()
    assert (new_customer["name"], new_customer["owner_id"]) == ("Suzhou Pumps Co.", org.rep1.id)
    new_contact = client.get(f"{API}/contacts/{qualified['qualified_contact_id']}",
                             headers=headers).get_json()
    assert (new_contact["name"], new_contact["phone"], new_contact["email"],
            new_contact["customer_id"]) == ("Zhang Min", "138 0013 8000", "zhang@pumps.test",
                                            new_customer["id"])
    deal = client.get(f"{API}/opportunities/{qualified['qualified_opportunity_id']}",
                      headers=headers).get_json()
    assert deal["customer_id"] == new_customer["id"]
    # Qualified is final: neither a second qualification nor a disqualification.
    assert_error(client.post(f"{LEADS}/{made['id']}/qualify", headers=headers, json={}), 409)
    assert_error(client.post(f"{LEADS}/{made['id']}/disqualify", headers=headers,
                             json={"reason": "changed my mind"}), 422)
    assert checksums_consistent(org.rep1)


def test_manager_qualifies_a_reps_lead_into_an_existing_customer(client, auth, org):
    rep = auth.headers(org.rep1)
    made = lead(client, rep)
    account = customer(client, rep, name="Suzhou Pumps")
    done = client.post(f"{LEADS}/{made['id']}/qualify", headers=auth.headers(org.manager),
                       json={"customer_id": account["id"], "contact": None})
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["qualified_customer_id"], done.get_json()["qualified_contact_id"]) \
        == (account["id"], None)
    # Another team's customer reads as no customer at all.
    other = customer(client, auth.headers(org.rep_b), name="West Pumps")
    second = lead(client, rep, name="Liu Yang")
    refused = assert_error(client.post(f"{LEADS}/{second['id']}/qualify", headers=rep,
                                       json={"customer_id": other["id"]}), 404)
    nobody = assert_error(client.post(f"{LEADS}/{second['id']}/qualify", headers=rep,
                                      json={"customer_id": new_id()}), 404)
    assert refused == nobody
    assert client.get(f"{LEADS}/{second['id']}", headers=rep).get_json()["status"] == "new"


def test_offline_qualification_is_checked_on_arrival(client, auth, org):
    """A phone makes the customer and contact itself and links them in the lead; the
    server takes the sequence in one push, and refuses links that name nothing live of
    one customer the writer sees."""
    headers = auth.headers(org.rep1)
    phone = Device(client, headers)
    lead_id, customer_id, contact_id = new_id(), new_id(), new_id()
    result = phone.push(
        phone.put("leads", lead_id, {"name": "Zhao Lei", "phone": "13900001111"}),
        phone.put("customers", customer_id, {"name": "Ningbo Valves"}),
        phone.put("contacts", contact_id, {"customer_id": customer_id, "name": "Zhao Lei"}),
        phone.put("leads", lead_id, {"status": "qualified",
                                     "qualified_customer_id": customer_id,
                                     "qualified_contact_id": contact_id}))
    assert [r["status"] for r in result["results"]] == ["applied"] * 4, result
    stored = db.session.get(Lead, lead_id)
    assert (stored.status, stored.qualified_customer_id, stored.qualified_contact_id) == (
        "qualified", customer_id, contact_id)

    other_team = customer(client, auth.headers(org.rep_b), name="West Valves")
    elsewhere = contact(client, headers, customer(client, headers, name="Elsewhere")["id"])
    mine = customer(client, headers, name="Mine")
    for links, field in (({"qualified_customer_id": other_team["id"]}, "qualified_customer_id"),
                         ({"qualified_customer_id": new_id()}, "qualified_customer_id"),
                         ({}, "qualified_customer_id"),
                         ({"qualified_customer_id": mine["id"],
                           "qualified_contact_id": elsewhere["id"]}, "qualified_contact_id")):
        key = new_id()
        answer = phone.push(phone.put("leads", key, {"name": "Probe", "status": "qualified",
                                                     **links}))["results"][0]
        assert (answer["status"], answer["reason"]) == ("rejected", "invalid"), answer
        assert list(answer["errors"]) == [field]
    deal = opportunity(client, headers, mine["id"])
    key = new_id()
    answer = phone.push(phone.put("leads", key, {"name": "Links", "status": "new",
                                                 "qualified_opportunity_id": deal["id"]}))
    assert answer["results"][0]["reason"] == "invalid"  # links only with status qualified


def test_disqualify_needs_a_reason(client, auth, org):
    headers = auth.headers(org.rep1)
    made = lead(client, headers)
    path = f"{LEADS}/{made['id']}"
    assert_error(client.post(f"{path}/disqualify", headers=headers, json={}), 422)
    blank = assert_error(client.post(f"{path}/disqualify", headers=headers,
                                     json={"reason": "   "}), 422)
    assert "disqualify_reason" in blank["errors"]["json"]
    assert_error(client.patch(path, headers=headers, json={"status": "disqualified"}), 422)
    done = client.post(f"{path}/disqualify", headers=headers, json={"reason": "No budget"})
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["disqualify_reason"]) == (
        "disqualified", "No budget")
    phone = Device(client, headers)
    answer = phone.push(phone.put("leads", new_id(), {"name": "Spam",
                                                      "status": "disqualified"}))
    assert answer["results"][0]["reason"] == "invalid"


def test_duplicates_within_scope_only(client, auth, org):
    rep = auth.headers(org.rep1)
    mine = customer(client, rep, name="苏州水泵有限公司", phone="0512-6666 0000")
    person = contact(client, rep, mine["id"], name="Zhang Min", phone="+86 138 0013 8000")
    earlier = lead(client, rep, name="Chen Jie", company="Acme Co., Ltd.")
    theirs = customer(client, auth.headers(org.rep_b), name="苏州水泵")
    lead(client, auth.headers(org.rep_b), name="Zhang Min", company="苏州水泵")

    def found(headers, **query):
        response = client.get(f"{LEADS}/duplicates", headers=headers, query_string=query)
        assert response.status_code == 200, response.get_json()
        return {table: {row["id"] for row in rows}
                for table, rows in response.get_json().items()}

    by_name = found(rep, company="苏州水泵")
    assert by_name["customers"] == {mine["id"]}  # never the other team's 苏州水泵
    assert found(rep, phone="13800138000")["contacts"] == {person["id"]}
    assert found(rep, name="zhang  min")["contacts"] == {person["id"]}
    assert found(rep, company="ACME")["leads"] == {earlier["id"]}
    assert found(rep, company="ACME", exclude=earlier["id"])["leads"] == set()
    assert found(rep, name="Nobody", phone="123") == {"customers": set(), "contacts": set(),
                                                      "leads": set()}
    # The other team's manager finds theirs, never rep1's.
    assert found(auth.headers(org.manager_b), company="苏州水泵")["customers"] == {theirs["id"]}
    assert found(auth.headers(org.manager), phone="13800138000")["contacts"] == {person["id"]}


def test_what_looks_alike_follows_the_shared_vectors():
    """The server and the phone (tests/browser/test_leads.py) agree on what looks alike."""
    vectors = json.loads((Path(__file__).parent / "vectors" / "lookalike.json").read_text(
        encoding="utf-8"))
    assert [normal_name(text) for text, _ in vectors["normal_name"]] == [
        expected for _, expected in vectors["normal_name"]]
    for rule, cases in ((names_alike, vectors["names_alike"]),
                        (phones_alike, vectors["phones_alike"])):
        assert [rule(a, b) for a, b, _ in cases] == [alike for *_, alike in cases], rule
