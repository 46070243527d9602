"""The reference client against the real app: round trips, faults, crashes."""

import time

import pytest
from conftest import PASSWORD

from sync.client import new_id
from tests.sync_helpers import FlaskTransport, make_client


@pytest.fixture
def phone(client, org):
    return make_client(client, org.rep1, PASSWORD)


def server_rows(app, model):
    from server.extensions import db

    return db.session.query(model).filter_by(deleted=False).all()


def test_offline_edits_reach_the_server_once(app, client, org, phone):
    from server.models import Customer, Visit

    customer = new_id()
    phone.put("customers", customer, {"name": "无锡华光", "city": "Wuxi"})
    phone.put("visits", new_id(), {"customer_id": customer, "type": "customer_visit",
                                   "occurred_at": "2026-11-20T09:30:00Z", "notes": "met 王总"})
    assert len(phone.pending()) == 2
    assert phone.get("customers", customer) == {"name": "无锡华光", "city": "Wuxi"}
    phone.sync()
    phone.sync()
    assert phone.pending() == []
    assert [c.name for c in server_rows(app, Customer)] == ["无锡华光"]
    assert [v.notes for v in server_rows(app, Visit)] == ["met 王总"]
    assert phone.get("customers", customer)["city"] == "Wuxi"


@pytest.mark.parametrize("fault", ["request", "response"])
def test_lost_messages_neither_lose_nor_duplicate(app, client, org, phone, fault):
    from server.models import Contact

    customer = new_id()
    phone.put("customers", customer, {"name": "Northwind"})
    phone.put("contacts", new_id(), {"customer_id": customer, "name": "Li Wei"})
    phone.transport.fail_next(fault)
    with pytest.raises(FlaskTransport.Lost):
        phone.sync()
    phone.sync()
    assert [c.name for c in server_rows(app, Contact)] == ["Li Wei"]
    assert phone.pending() == []
    assert phone.get("contacts", next(iter(phone.query("contacts"))))["name"] == "Li Wei"


def test_state_survives_a_crash_and_restart(app, client, org, tmp_path):
    from server.models import Customer

    store = tmp_path / "phone.db"
    phone = make_client(client, org.rep1, PASSWORD, store_path=str(store))
    customer = new_id()
    phone.put("customers", customer, {"name": "Before crash"})
    phone.transport.fail_next("response")
    with pytest.raises(FlaskTransport.Lost):
        phone.sync()
    phone.close()  # the app is killed here; the SQLite file is all that is left
    again = make_client(client, org.rep1, PASSWORD, store_path=str(store))
    assert again.get("customers", customer) == {"name": "Before crash"}
    again.sync()
    assert again.pending() == []
    assert [c.name for c in server_rows(app, Customer)] == ["Before crash"]


def test_rejected_mutation_is_reported_and_does_not_block(app, client, org, phone):
    customer = new_id()
    phone.put("customers", customer, {"name": "Valid"})
    phone.put("customers", new_id(), {"name": ""})  # invalid: empty name
    phone.put("customers", customer, {"city": "Hangzhou"})
    phone.sync()
    assert phone.pending() == []
    [rejected] = phone.rejected()
    assert rejected["result"]["reason"] == "invalid"
    assert "name" in rejected["result"]["errors"]
    record = phone.get("customers", customer)
    assert (record["name"], record["city"]) == ("Valid", "Hangzhou")
    assert record["owner_id"] == org.rep1.id
    assert len(phone.query("customers")) == 1


def test_checksum_mismatch_repairs_by_downloading_again(app, client, org, phone):
    customer = new_id()
    phone.put("customers", customer, {"name": "Acme"})
    phone.sync()
    phone.db.execute("DELETE FROM records")  # local corruption: the phone lost a record
    phone.put("customers", new_id(), {"name": "Second"})
    phone.sync()
    assert {f["name"] for f in phone.query("customers").values()} == {"Acme", "Second"}
    assert phone.checksum() == phone.pull()["checksum"]


def test_mutation_gap_after_server_restore_renumbers(app, client, org, phone):
    from server.extensions import db, sync_tables

    phone.put("customers", new_id(), {"name": "One"})
    phone.sync()
    # The server is restored from a backup that predates the phone's first push.
    db.session.execute(sync_tables.clients.update().values(last_mutation_id=0))
    db.session.execute(sync_tables.results.delete())
    db.session.commit()
    phone.db.execute("UPDATE meta SET value = '5' WHERE key = 'next_mutation_id'")
    phone.put("customers", new_id(), {"name": "Two"})
    phone.sync()
    assert phone.pending() == []
    names = {f["name"] for f in phone.query("customers").values()}
    assert names == {"One", "Two"}


def test_token_refresh_when_access_token_expires(app, client, org, phone):
    phone.put("customers", new_id(), {"name": "Acme"})
    phone.sync()
    phone._set_meta("access_token", "expired-or-garbage")
    phone.put("customers", new_id(), {"name": "Beta"})
    phone.sync()
    assert phone.pending() == []


def test_conflict_appears_on_both_phones_and_resolving_converges(app, client, org):
    first = make_client(client, org.rep1, PASSWORD)
    second = make_client(client, org.rep1, PASSWORD)
    customer = new_id()
    first.put("customers", customer, {"name": "Acme", "city": "Wuxi"})
    first.sync()
    second.sync()
    first.put("customers", customer, {"city": "Suzhou"})  # both offline
    time.sleep(0.01)  # in the same millisecond the device ids would decide, not the time
    second.put("customers", customer, {"city": "Nanjing"})
    first.sync()
    second.sync()  # the later edit wins; Suzhou is kept in a conflict record
    first.sync()
    for phone in (first, second):
        [conflict] = phone.conflicts()
        assert conflict["fields"]["city"] == {"lost": "Suzhou", "kept": "Nanjing"}
    first.resolve(conflict["id"], {"city": "Suzhou (plant) / Nanjing (HQ)"})
    assert first.conflicts() == []  # resolved locally at once, before any sync
    first.sync()
    second.sync()
    for phone in (first, second):
        assert phone.conflicts() == []
        assert phone.get("customers", customer)["city"] == "Suzhou (plant) / Nanjing (HQ)"
        assert phone.checksum() == phone.pull()["checksum"]
