"""The boundaries of issue 19 that are about who may do what (items 2, 3, 7 and 10).

Every rule holds for a phone's push as for a REST call: each test drives both paths, or
walks every synced table through both. Tokens are real logins (tests/conftest.py).
"""

import pytest
import sqlalchemy as sa
from api_helpers import API, contact, customer, opportunity, personal, task, visit

from server.extensions import db
from server.models import Conflict, ContactPersonal
from server.sync_registry import registry
from tests.sync_helpers import Device, checksums_consistent, new_id
from tests.test_promotions import install_stages

# A REST collection per synced table a device writes.
COLLECTIONS = {"customers": "customers", "competitors": "competitors", "contacts": "contacts",
               "contact_personal": "contact-personal", "opportunities": "opportunities",
               "visits": "visits", "tasks": "tasks", "promotions": "promotions"}
# A harmless edit per table, and the rest of a whole new record (with its customer).
EDITS = {"customers": {"city": "Hacked"}, "competitors": {"product": "Hacked"},
         "contacts": {"title": "Hacked"}, "contact_personal": {"hometown": "Hacked"},
         "opportunities": {"notes": "Hacked"}, "visits": {"notes": "Hacked"},
         "tasks": {"who": "Hacked"}, "promotions": {"justification": "Hacked"}}
NEW = {"competitors": {"competitor": "Rival"}, "contacts": {"name": "Plant"},
       "opportunities": {"name": "Boilers"}, "tasks": {"what": "Call back"},
       "visits": {"type": "customer_visit", "occurred_at": "2026-11-01T10:00:00Z"}}
# Visit plans (tests/test_visit_plans.py).
COLLECTIONS["visit_plans"] = "visit-plans"
EDITS["visit_plans"] = {"purpose": "Hacked"}
NEW["visit_plans"] = {"type": "customer_visit", "planned_at": "2026-11-01T10:00:00Z"}


# Check-ins (tests/test_check_ins.py): created, never changed, never deleted.
COLLECTIONS["check_ins"] = "check-ins"
EDITS["check_ins"] = {"kind": "out"}
NEW["check_ins"] = {"kind": "in", "device_at": "2026-11-01T10:00:00Z",
                    "no_position_reason": "denied"}

# Leads (tests/test_leads.py): no customer, each its own scope key.
COLLECTIONS["leads"] = "leads"
EDITS["leads"] = {"note": "Hacked"}


def test_every_writable_table_is_walked():
    """The walks below cover every table a device may write (a new synced table must
    join them)."""
    writable = {name for name, spec in registry.specs.items()
                if spec.writable and spec.scope_column is not None and name != "conflicts"}
    assert writable == set(COLLECTIONS)


@pytest.fixture
def team_b_account(client, auth, org):
    """rep_b's customer with a record in every table, one of them deleted per table."""
    install_stages()
    headers = auth.headers(org.rep_b)
    cust = customer(client, headers, "West Steel")
    person = contact(client, headers, cust["id"], name="Zhao")
    personal(client, headers, person, hometown="Xi'an")
    deal = opportunity(client, headers, cust["id"])
    rows = {"customers": cust["id"], "contacts": person["id"], "contact_personal": person["id"],
            "opportunities": deal["id"], "visits": visit(client, headers, cust["id"])["id"],
            "tasks": task(client, headers, cust["id"])["id"]}
    rows["competitors"] = client.post(f"{API}/competitors", headers=headers, json={
        "customer_id": cust["id"], "competitor": "Rival"}).get_json()["id"]
    promotion = client.post(f"{API}/promotions", headers=headers, json={
        "customer_id": cust["id"], "opportunity_id": deal["id"], "from_milestone": 1,
        "to_milestone": 2, "criteria_met": [0, 1, 2]})
    assert promotion.status_code == 201, promotion.get_json()
    rows["promotions"] = promotion.get_json()["id"]
    rows["check_ins"] = client.post(f"{API}/check-ins", headers=headers, json={
        "customer_id": cust["id"], **NEW["check_ins"]}).get_json()["id"]
    deleted = {}
    rows["visit_plans"] = client.post(f"{API}/visit-plans", headers=headers, json={
        "customer_id": cust["id"], **NEW["visit_plans"]}).get_json()["id"]
    for table in ("contacts", "opportunities", "visits", "tasks", "competitors", "visit_plans"):
        body = {"customer_id": cust["id"], **NEW[table]}
        key = client.post(f"{API}/{COLLECTIONS[table]}", headers=headers,
                          json=body).get_json()["id"]
        assert client.delete(f"{API}/{COLLECTIONS[table]}/{key}",
                             headers=headers).status_code == 204
        deleted[table] = key
    rows["leads"], deleted["leads"] = (client.post(f"{API}/leads", headers=headers, json={
        "name": name}).get_json()["id"] for name in ("Kept", "Dropped"))
    assert client.delete(f"{API}/leads/{deleted['leads']}", headers=headers).status_code == 204
    return {"customer": cust["id"], "live": rows, "deleted": deleted}


def _answer(result):
    return {k: result.get(k) for k in ("status", "reason", "message", "errors")}


def _body(response):
    return response.status_code, {k: v for k, v in response.get_json().items()}


def open_conflicts(customer_id):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Conflict).where(
        Conflict.customer_id == customer_id))


@pytest.mark.parametrize("who", ["rep1", "manager"])
def test_records_of_another_team_answer_as_missing_ones(client, auth, org, team_b_account,
                                                        who):
    """Live, deleted or never there: a push and a REST call get the same answer, and an
    edit pushed to another team's deleted record writes nothing into their account."""
    headers = auth.headers(getattr(org, who))
    phone = Device(client, headers, who)
    missing_keys = {table: new_id() for table in COLLECTIONS}
    kinds = {"live": team_b_account["live"], "deleted": team_b_account["deleted"],
             "missing": missing_keys}
    answers = {}
    for kind, keys in kinds.items():
        for table, key in keys.items():
            edit, delete = phone.push(phone.put(table, key, EDITS[table]),
                                      phone.delete(table, key))["results"]
            rest = COLLECTIONS[table]
            answers[kind, table] = (
                _answer(edit), _answer(delete),
                _body(client.patch(f"{API}/{rest}/{key}", headers=headers,
                                   json=EDITS[table])),
                _body(client.delete(f"{API}/{rest}/{key}", headers=headers)),
                _body(client.get(f"{API}/{rest}/{key}", headers=headers)))
    for (kind, table), answer in answers.items():
        assert answer == answers["missing", table], (kind, table)
        assert answer[0]["reason"] == "not_found" and answer[2][0] == 404, (kind, table)
    assert open_conflicts(team_b_account["customer"]) == 0


def test_a_child_of_another_teams_customer_answers_as_one_of_no_customer(
        client, auth, org, team_b_account):
    """No answer tells whether a customer id exists: the existence oracle is closed."""
    headers = auth.headers(org.rep1)
    phone = Device(client, headers, "prober")
    for table, fields in NEW.items():
        answers = []
        for customer_id in (team_b_account["customer"], new_id()):
            body = {"customer_id": customer_id, **fields}
            [pushed] = phone.push(phone.put(table, new_id(), body))["results"]
            rest = client.post(f"{API}/{COLLECTIONS[table]}", headers=headers, json=body)
            answers.append((_answer(pushed), _body(rest)))
        assert answers[0] == answers[1], table
        assert answers[0][0]["reason"] == "not_found" and answers[0][1][0] == 404, table


@pytest.mark.parametrize("path", ["rest", "push"])
def test_personal_data_is_made_only_for_a_live_contact_of_that_customer(
        client, auth, org, team_b_account, path):
    """rep1 cannot squat rep_b's contact id (nor a deleted or unknown one) with personal
    data under their own customer; the owner keeps writing theirs, and after the contact
    is deleted every user's checksums still add up."""
    headers = auth.headers(org.rep1)
    mine = customer(client, headers, "East Steel")["id"]
    rep_b = auth.headers(org.rep_b)
    fresh = contact(client, rep_b, team_b_account["customer"], name="Qian")
    squats = [fresh["id"], team_b_account["deleted"]["contacts"], new_id()]
    answers = []
    for key in squats:
        body = {"customer_id": mine, "hometown": "Squatted"}
        if path == "rest":
            answers.append(_body(client.post(f"{API}/contact-personal", headers=headers,
                                             json={"id": key, **body})))
        else:
            phone = Device(client, headers, "squatter")
            [result] = phone.push(phone.put("contact_personal", key, body))["results"]
            answers.append(_answer(result))
    assert answers[0] == answers[1] == answers[2]
    assert (answers[0][0] == 422) if path == "rest" else (answers[0]["reason"] == "invalid")
    assert db.session.get(ContactPersonal, fresh["id"]) is None
    # The owner still records the contact's personal data, and deletes the contact.
    personal(client, rep_b, fresh, hometown="Lanzhou")
    assert client.delete(f"{API}/contacts/{fresh['id']}", headers=rep_b).status_code == 204
    for user in (org.rep1, org.rep_b, org.manager_b, org.admin):
        assert checksums_consistent(user), user.email


@pytest.fixture
def shared_with_manager_b(client, auth, org):
    """rep1's customer (team A), with a deal and personal data, shared with manager_b."""
    owner = auth.headers(org.rep1)
    cust = customer(client, owner, "Shared Works")
    person = contact(client, owner, cust["id"], name="Sun")
    personal(client, owner, person, hometown="Secret town")
    deal = opportunity(client, owner, cust["id"])
    response = client.post(f"{API}/customers/{cust['id']}/shares", headers=owner,
                           json={"user_id": org.manager_b.id})
    assert response.status_code == 201, response.get_json()
    return {"customer": cust["id"], "contact": person["id"], "deal": deal["id"]}


def test_a_manager_with_a_share_gets_what_a_share_grants(client, auth, org,
                                                         shared_with_manager_b):
    account = shared_with_manager_b
    headers = auth.headers(org.manager_b)
    customer_url = f"{API}/customers/{account['customer']}"
    # A share grants the records...
    assert client.patch(customer_url, headers=headers, json={"city": "Xi'an"}).status_code == 200
    # ...not the owner's rights, through REST or a push.
    assert client.patch(customer_url, headers=headers,
                        json={"owner_id": org.rep_b.id}).status_code == 403
    assert client.patch(f"{API}/opportunities/{account['deal']}", headers=headers,
                        json={"owner_id": org.rep_b.id}).status_code == 403
    assert client.delete(customer_url, headers=headers).status_code == 403
    assert client.post(f"{customer_url}/shares", headers=headers,
                       json={"user_id": org.rep_b.id}).status_code == 403
    phone = Device(client, headers, "manager_b")
    results = phone.push(phone.put("customers", account["customer"], {"owner_id": org.rep_b.id}),
                         phone.put("opportunities", account["deal"], {"owner_id": org.rep_b.id}),
                         phone.delete("customers", account["customer"]))["results"]
    assert [r.get("reason") for r in results] == ["forbidden"] * 3, results
    # Personal data and history stay the owner's side's.
    assert client.get(f"{API}/contact-personal/{account['contact']}",
                      headers=headers).status_code == 404
    trail = client.get(f"{API}/audit?customer_id={account['customer']}", headers=headers)
    assert trail.status_code == 200 and trail.get_json()["total"] == 0
    owner_side = client.get(f"{API}/audit?customer_id={account['customer']}",
                            headers=auth.headers(org.manager)).get_json()
    assert owner_side["total"] > 0
    # The account is still rep1's, whole.
    assert client.get(customer_url, headers=auth.headers(org.rep1)).get_json()[
        "owner_id"] == org.rep1.id


def test_the_owners_manager_still_reassigns_and_deletes(client, auth, org,
                                                         shared_with_manager_b):
    headers = auth.headers(org.manager)
    customer_url = f"{API}/customers/{shared_with_manager_b['customer']}"
    assert client.patch(customer_url, headers=headers,
                        json={"owner_id": org.rep2.id}).status_code == 200
    assert client.delete(customer_url, headers=headers).status_code == 204


@pytest.fixture
def deal_on_a_shared_account(client, auth, org):
    """rep_b (team B) works a deal on rep1's account (team A), shared with them, and
    asks to promote it."""
    install_stages()
    owner = auth.headers(org.rep1)
    cust = customer(client, owner, "Joint Works")
    assert client.post(f"{API}/customers/{cust['id']}/shares", headers=owner,
                       json={"user_id": org.rep_b.id}).status_code == 201
    rep_b = auth.headers(org.rep_b)
    deal = opportunity(client, rep_b, cust["id"], name="rep_b's boilers")
    request = client.post(f"{API}/promotions", headers=rep_b, json={
        "customer_id": cust["id"], "opportunity_id": deal["id"], "from_milestone": 1,
        "to_milestone": 2, "criteria_met": [0, 1, 2]})
    assert request.status_code == 201, request.get_json()
    return {"customer": cust["id"], "deal": deal["id"], "promotion": request.get_json()["id"]}


@pytest.mark.parametrize("path", ["rest", "push"])
def test_the_deal_owners_manager_decides_a_deal_on_a_shared_account(
        client, auth, org, deal_on_a_shared_account, path):
    """The deal counts in rep_b's pipeline, so rep_b's manager decides: they see the
    account through their rep's share, find the request in their inbox and approve it.
    The account team's manager sees it and may not decide it."""
    deal = deal_on_a_shared_account
    manager_b = auth.headers(org.manager_b)
    inbox = client.get(f"{API}/promotions?awaiting_me=true", headers=manager_b).get_json()
    assert [p["id"] for p in inbox["items"]] == [deal["promotion"]]
    account_manager = client.patch(f"{API}/promotions/{deal['promotion']}",
                                   headers=auth.headers(org.manager), json={"status": "approved"})
    assert account_manager.status_code == 403
    if path == "rest":
        decided = client.patch(f"{API}/promotions/{deal['promotion']}", headers=manager_b,
                               json={"status": "approved"})
        assert decided.status_code == 200, decided.get_json()
    else:
        phone = Device(client, manager_b, "manager_b")
        changes, _ = phone.pull()
        assert deal["promotion"] in {c["id"] for c in changes if c["table"] == "promotions"}
        [result] = phone.push(phone.put("promotions", deal["promotion"],
                                        {"status": "approved"}))["results"]
        assert result["status"] == "applied", result
    moved = client.get(f"{API}/opportunities/{deal['deal']}", headers=manager_b).get_json()
    assert moved["milestone"] == 2
    # What manager_b sees through the share is records, not the account's personal data.
    assert client.get(f"{API}/customers/{deal['customer']}/shares",
                      headers=manager_b).status_code == 403


def test_unsharing_evicts_the_account_from_the_reps_manager_too(
        client, auth, org, deal_on_a_shared_account):
    deal = deal_on_a_shared_account
    phone = Device(client, auth.headers(org.manager_b), "manager_b")
    phone.pull()
    assert client.delete(f"{API}/customers/{deal['customer']}/shares/{org.rep_b.id}",
                         headers=auth.headers(org.rep1)).status_code == 204
    changes, _ = phone.pull()
    assert {"op": "evict", "customer_id": deal["customer"]} in [
        {k: c.get(k) for k in ("op", "customer_id")} for c in changes]
    assert client.get(f"{API}/customers/{deal['customer']}",
                      headers=auth.headers(org.manager_b)).status_code == 404
