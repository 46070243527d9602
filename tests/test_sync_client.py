"""The reference client against the real app: round trips, faults, crashes."""

import time

import pytest
from conftest import PASSWORD

from sync.client import VERIFY_EVERY, new_id
from tests.sync_helpers import FlaskTransport, make_client


class Clock:
    """An injected ``now``: real time at the start, moved by the test (no sleeps)."""

    def __init__(self):
        self.t = time.time()

    def __call__(self):
        return self.t


@pytest.fixture
def phone(client, org):
    return make_client(client, org.rep1, PASSWORD)


def verify_flags(phone):
    """The ``verify`` of each pull request the phone sent, then forget them."""
    flags = [body["verify"] for path, body in phone.transport.sent
             if path.endswith("/sync/pull")]
    phone.transport.sent.clear()
    return flags


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


def test_checksum_mismatch_repairs_by_downloading_again(app, client, org):
    clock = Clock()
    phone = make_client(client, org.rep1, PASSWORD, now=clock)
    customer = new_id()
    phone.put("customers", customer, {"name": "Acme"})
    phone.sync()
    phone.db.execute("DELETE FROM records")  # local corruption: the phone lost a record
    phone.put("customers", new_id(), {"name": "Second"})
    phone.sync()  # a routine pull: no checksum, the loss goes unnoticed for now
    assert {f["name"] for f in phone.query("customers").values()} == {"Second"}
    phone.transport.sent.clear()
    clock.t += VERIFY_EVERY  # the periodic check is due
    phone.sync()
    # The verified pull found the mismatch and downloaded again from 0, verified too.
    pulls = [body for path, body in phone.transport.sent if path.endswith("/sync/pull")]
    assert [(body["cursor"] == 0, body["verify"]) for body in pulls] == [
        (False, True), (True, True)]
    assert {f["name"] for f in phone.query("customers").values()} == {"Acme", "Second"}
    assert phone.checksum() == phone.pull(verify=True)["checksum"]


def test_client_asks_for_the_checksum_only_when_due(app, client, org, tmp_path):
    clock = Clock()
    store = str(tmp_path / "phone.db")
    phone = make_client(client, org.rep1, PASSWORD, store_path=store, now=clock)
    phone.put("customers", new_id(), {"name": "Acme"})
    phone.sync()
    assert verify_flags(phone) == [True]  # a first download is verified
    phone.sync()
    assert verify_flags(phone) == [False]  # routine pull
    clock.t += VERIFY_EVERY - 1
    phone.put("customers", new_id(), {"name": "Beta"})
    phone.sync()
    assert verify_flags(phone) == [False]
    clock.t += 1
    page = phone.pull()
    assert verify_flags(phone) == [True] and page["checksum"] == phone.checksum()
    phone.pull()
    assert verify_flags(phone) == [False]
    # A client object made later (the app started again) verifies on its first pull.
    phone.close()
    again = make_client(client, org.rep1, PASSWORD, store_path=store, now=clock)
    again.pull()
    again.pull()
    assert verify_flags(again) == [True, False]
    # After a reset the download from 0 is verified, whatever the clock says.
    again.reset()
    again.pull()
    assert verify_flags(again) == [True]
    # The caller may force either way.
    assert again.pull(verify=True)["checksum"] == again.checksum()
    assert again.pull(verify=False)["checksum"] is None
    assert verify_flags(again) == [True, False]


def test_a_raced_checksum_leaves_the_check_due(app, client, org):
    """A verified pull answered with ``checksum: null`` (a write committed meanwhile)
    compared nothing: the next pull asks again."""
    clock = Clock()
    phone = make_client(client, org.rep1, PASSWORD, now=clock)
    phone.put("customers", new_id(), {"name": "Acme"})  # a cursor past 0
    phone.sync()
    transport = phone.transport

    def racing(method, path, body=None, headers=None):
        status, page = transport(method, path, body, headers)
        if path.endswith("/sync/pull") and status == 200 and not page["more"]:
            page = {**page, "checksum": None}
        return status, page

    clock.t += VERIFY_EVERY
    phone.transport = racing
    phone.pull()
    phone.transport = transport
    phone.pull()
    phone.pull()
    assert verify_flags(phone) == [True, True, True, False]


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
        assert phone.checksum() == phone.pull(verify=True)["checksum"]
