"""Named conflict and scope scenarios from docs/sync-protocol.md, over the real endpoints."""

import time

from server.extensions import db
from server.models import Conflict, Customer, Visit
from tests.sync_helpers import Device, new_id


def two_phones(client, auth, user_a, user_b=None):
    a = Device(client, auth.headers(user_a), "a")
    b = Device(client, auth.headers(user_b or user_a), "b")
    return a, b


def seeded_customer(a, b, **fields):
    key = new_id()
    result = a.push(a.put("customers", key, {"name": "Acme", **fields}))
    assert result["results"][0]["status"] == "applied"
    a.pull()
    b.pull()
    return key


def open_conflicts():
    db.session.expire_all()
    return db.session.query(Conflict).filter_by(status="open").all()


def current(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


def test_different_fields_merge_silently(client, org, auth):
    a, b = two_phones(client, auth, org.rep1)
    key = seeded_customer(a, b, city="Wuxi")
    a.push(a.put("customers", key, {"city": "Suzhou"}))
    result = b.push(b.put("customers", key, {"phone": "0510-1234"}))
    assert result["results"][0]["status"] == "applied"
    row = current(Customer, key)
    assert (row.city, row.phone) == ("Suzhou", "0510-1234")
    assert open_conflicts() == []


def test_same_field_later_edit_wins_and_loser_is_kept(client, org, auth):
    clock = {"t": time.time() - 86400 * 8}
    a = Device(client, auth.headers(org.rep1), "a", now=lambda: clock["t"])
    b = Device(client, auth.headers(org.rep1), "b", now=lambda: clock["t"])
    key = seeded_customer(a, b, city="Wuxi")
    clock["t"] += 60
    late = b.put("customers", key, {"city": "Nanjing"})  # edited later, offline
    clock["t"] -= 30
    early = a.put("customers", key, {"city": "Suzhou"})  # edited earlier
    b.push(late)
    result = a.push(early)  # the earlier edit arrives last: it loses
    assert result["results"][0]["status"] == "conflict"
    assert current(Customer, key).city == "Nanjing"
    [conflict] = open_conflicts()
    assert conflict.fields == {"city": {"lost": "Suzhou", "kept": "Nanjing"}}
    assert conflict.lost_client == a.client_id


def test_same_field_same_time_is_decided_by_device_id_the_same_everywhere(client, org, auth):
    frozen = lambda: 1_700_000_000.0  # noqa: E731
    a = Device(client, auth.headers(org.rep1), "a", now=frozen)
    b = Device(client, auth.headers(org.rep1), "b", now=frozen)
    key = seeded_customer(a, b, city="Wuxi")
    edit_a = a.put("customers", key, {"city": "Suzhou"})
    edit_b = b.put("customers", key, {"city": "Nanjing"})
    a.push(edit_a)
    b.push(edit_b)
    winner = max((edit_a["hlc"], "Suzhou"), (edit_b["hlc"], "Nanjing"))[1]
    assert current(Customer, key).city == winner
    [conflict] = open_conflicts()
    assert conflict.fields["city"]["kept"] == winner
    assert {conflict.fields["city"]["lost"], winner} == {"Suzhou", "Nanjing"}


def test_clock_running_ahead_is_clamped(client, org, auth):
    fast = Device(client, auth.headers(org.rep1), "fast", now=lambda: time.time() + 86400 * 365)
    honest = Device(client, auth.headers(org.rep1), "honest")
    key = seeded_customer(honest, fast, city="Wuxi")
    fast.push(fast.put("customers", key, {"city": "Fast"}))  # stamped a year ahead
    time.sleep(0.01)
    # Made later in real time, without seeing "Fast": without clamping it would lose.
    result = honest.push(honest.put("customers", key, {"city": "Honest"}))
    assert result["results"][0]["status"] == "conflict"
    assert current(Customer, key).city == "Honest"
    assert int(current(Customer, key).field_versions["city"][:13]) <= time.time() * 1000


def test_visit_notes_edited_on_two_phones_keep_both_texts(client, org, auth):
    a, b = two_phones(client, auth, org.rep1)
    customer = seeded_customer(a, b)
    visit = new_id()
    a.push(a.put("visits", visit, {"customer_id": customer, "type": "customer_visit",
                                   "occurred_at": "2026-11-20T09:00:00Z", "notes": "draft"}))
    b.pull()
    a.push(a.put("visits", visit, {"notes": "王总 wants a demo in March"}))
    b.push(b.put("visits", visit, {"notes": "Budget approved: 2.4M"}))
    notes = current(Visit, visit).notes
    assert "王总 wants a demo in March" in notes and "Budget approved: 2.4M" in notes
    [conflict] = open_conflicts()
    assert conflict.kind == "text"
    assert conflict.fields["notes"]["lost"] == "王总 wants a demo in March"


def test_delete_against_edit_delete_wins_and_edit_is_kept(client, org, auth):
    a, b = two_phones(client, auth, org.rep1)
    customer = seeded_customer(a, b)
    contact = new_id()
    a.push(a.put("contacts", contact, {"customer_id": customer, "name": "Zhang"}))
    b.pull()
    a.push(a.delete("contacts", contact))
    result = b.push(b.put("contacts", contact, {"title": "Chief engineer"}))
    assert result["results"][0]["reason"] == "deleted"
    [conflict] = open_conflicts()
    assert (conflict.kind, conflict.fields) == (
        "delete", {"title": {"lost": "Chief engineer", "kept": None}})
    changes, _ = b.pull()
    assert {"op": "del", "table": "contacts", "id": contact} in [
        {k: c.get(k) for k in ("op", "table", "id")} for c in changes]


def test_a_delete_conflict_keeps_the_whole_record_so_it_can_be_re_created(client, org, auth):
    """The conflict holds the deleted record's last writable values: a phone re-creates it
    as a new record from them plus the lost edit, and the server takes it as complete."""
    a, b = two_phones(client, auth, org.rep1)
    customer = seeded_customer(a, b)
    visit = new_id()
    a.push(a.put("visits", visit, {"customer_id": customer, "type": "customer_visit",
                                   "occurred_at": "2026-11-20T02:00:00Z",
                                   "purpose": "Demo the line", "notes": "Bring samples"}))
    b.pull()
    a.push(a.delete("visits", visit))
    b.push(b.put("visits", visit, {"outcome": "Trial order agreed"}))
    [conflict] = open_conflicts()
    assert conflict.record["purpose"] == "Demo the line"
    assert conflict.record["customer_id"] == customer
    assert not {"seq", "deleted", "field_versions", "created_by", "id"} & conflict.record.keys()
    again = new_id()
    result = b.push(b.put("visits", again, {**conflict.record, "outcome": "Trial order agreed"}))
    assert result["results"][0]["status"] == "applied", result
    assert (current(Visit, again).purpose, current(Visit, again).outcome) == (
        "Demo the line", "Trial order agreed")


def test_delete_after_an_unseen_edit_keeps_the_edit(client, org, auth):
    a, b = two_phones(client, auth, org.rep1)
    customer = seeded_customer(a, b)
    a.push(a.put("customers", customer, {"city": "Changzhou"}))
    b.push(b.delete("customers", customer))  # b never saw Changzhou
    assert current(Customer, customer).deleted
    [conflict] = open_conflicts()
    assert conflict.fields["city"] == {"lost": "Changzhou", "kept": None}
    assert conflict.record["city"] == "Changzhou" and conflict.record["name"] == "Acme"


def test_deleted_records_never_come_back(client, org, auth):
    a, b = two_phones(client, auth, org.rep1)
    customer = seeded_customer(a, b)
    stale = b.put("customers", customer, {"name": "Resurrected?"})
    a.push(a.delete("customers", customer))
    assert b.push(stale)["results"][0]["status"] == "rejected"
    assert current(Customer, customer).deleted
    fresh = Device(client, auth.headers(org.rep1), "fresh")
    changes, _ = fresh.pull()
    assert all(c.get("id") != customer for c in changes if c["table"] == "customers")


def test_server_authoritative_fields_are_rejected(client, org, auth):
    a, b = two_phones(client, auth, org.rep1)
    customer = seeded_customer(a, b)
    opportunity = new_id()
    a.push(a.put("opportunities", opportunity, {"customer_id": customer, "name": "Boilers",
                                                "amount": 120000}))
    result = a.push(a.put("opportunities", opportunity, {"milestone": 6}))
    assert result["results"][0]["reason"] == "read_only_field"
    assert "milestone" in result["results"][0]["message"]
    # A field the table does not have is invalid, named, whatever else the edit holds.
    result = a.push(a.put("opportunities", opportunity, {"milestone": 6, "colour": "red"}))
    assert (result["results"][0]["reason"], result["results"][0]["errors"]) == (
        "invalid", {"colour": ["Unknown field."]})


def test_scope_change_evicts_and_rejects_pending_edits(client, org, auth):
    rep1 = Device(client, auth.headers(org.rep1), "rep1")
    manager = Device(client, auth.headers(org.manager), "manager")
    customer = seeded_customer(rep1, manager)
    contact = new_id()
    rep1.push(rep1.put("contacts", contact, {"customer_id": customer, "name": "Zhou"}))
    rep1.pull()
    pending = rep1.put("contacts", contact, {"title": "Plant manager"})  # offline edit
    manager.pull()
    rep2 = Device(client, auth.headers(org.rep2), "rep2")
    assert rep2.pull()[1]["count"] == 0  # up to date, and nothing to see yet
    result = manager.push(manager.put("customers", customer, {"owner_id": org.rep2.id}))
    assert result["results"][0]["status"] == "applied"
    # rep1's phone pushes its pending edit first: it comes back rejected, not lost.
    [outcome] = rep1.push(pending)["results"]
    assert outcome["reason"] == "not_found"
    changes, page = rep1.pull()
    assert {"op": "evict", "customer_id": customer} in [
        {k: c.get(k) for k in ("op", "customer_id")} for c in changes]
    assert page["count"] == 0
    # The new owner receives the old records on their next pull.
    changes, _ = rep2.pull()
    assert {(c["table"], c["id"]) for c in changes if c["op"] == "put"} >= {
        ("customers", customer), ("contacts", contact)}


def test_manager_cannot_reassign_outside_their_team(client, org, auth):
    rep1 = Device(client, auth.headers(org.rep1), "rep1")
    manager = Device(client, auth.headers(org.manager), "manager")
    customer = seeded_customer(rep1, manager)
    result = manager.push(manager.put("customers", customer, {"owner_id": org.rep_b.id}))
    assert result["results"][0]["reason"] == "forbidden"
    assert rep1.push(rep1.put("customers", customer, {"owner_id": org.rep2.id}))[
        "results"][0]["reason"] == "forbidden"


def test_ten_thousand_mutations_queued_over_a_week(app, client, org, auth):
    from conftest import PASSWORD

    from tests.sync_helpers import make_client

    clock = {"t": time.time() - 86400 * 8}
    phone = make_client(client, org.rep1, PASSWORD, now=lambda: clock["t"])
    customers = [new_id() for _ in range(50)]
    for key in customers:
        phone.put("customers", key, {"name": f"Customer {key[:4]}"})
    for i in range(10_000 - len(customers)):
        clock["t"] += 60  # a week of edits, one a minute
        phone.put("customers", customers[i % 50], {"city": f"City {i}"})
    assert len(phone.pending()) == 10_000
    phone.sync()
    assert phone.pending() == []
    db.session.expire_all()
    rows = db.session.query(Customer).all()
    assert len(rows) == 50
    last_city = {customers[i % 50]: f"City {i}" for i in range(10_000 - 50)}
    assert {row.id: row.city for row in rows} == last_city
    assert phone.checksum() == phone.pull(verify=True)["checksum"]


def test_nothing_is_made_for_a_deleted_account(client, org, auth):
    """A phone that missed the delete (or re-creates a record from a conflict) cannot
    leave an orphan under the tombstone: the create is refused, by push and REST alike."""
    a, b = two_phones(client, auth, org.rep1)
    customer = seeded_customer(a, b)
    a.push(a.delete("customers", customer))
    result = b.push(b.put("contacts", new_id(), {"customer_id": customer, "name": "Late"}))
    assert (result["results"][0]["status"], result["results"][0]["reason"]) == (
        "rejected", "not_found")
    response = client.post("/api/v1/contacts", headers=auth.headers(org.rep1),
                           json={"customer_id": customer, "name": "Late too"})
    assert response.status_code == 404, response.get_json()


def test_a_pull_sends_times_as_rest_does(client, auth, org):
    """ISO 8601 in UTC on both paths (a pull once sent the JSON encoder's HTTP date for
    the UTC datetime columns, which a phone had to parse loosely)."""
    headers = auth.headers(org.rep1)
    phone = Device(client, headers, "times")
    customer, visit = new_id(), new_id()
    phone.push(phone.put("customers", customer, {"name": "Times Ltd"}),
               phone.put("visits", visit, {"customer_id": customer, "type": "customer_visit",
                                           "occurred_at": "2026-03-01T09:30:00+08:00"}))
    changes, _ = phone.pull()
    [pulled] = [c["data"] for c in changes if c.get("id") == visit]
    rest = client.get(f"/api/v1/visits/{visit}", headers=headers).get_json()
    assert pulled["occurred_at"] == "2026-03-01T01:30:00Z"
    assert rest["occurred_at"].replace("+00:00", "Z") == pulled["occurred_at"]
