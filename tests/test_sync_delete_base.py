"""A mutation's base must be the field versions the device saw: any other shape is
refused (422 for the push at the HTTP boundary; ``invalid`` for that one mutation when the
engine is called directly), never a 500. What a well-formed base means for a delete is in
tests/vectors/delete_base.json."""

import pytest

from server.access import Access
from server.extensions import db
from server.models import Customer
from server.sync_registry import registry
from sync import push as pushing
from tests.api_helpers import assert_error
from tests.sync_helpers import Device, new_id

MALFORMED_BASES = {"text": "v1", "list": ["city"], "number version": {"city": 5},
                   "object version": {"city": {"hlc": "x"}}}


def created_customer(device):
    key = new_id()
    result = device.push(device.put("customers", key, {"name": "Acme"}))
    assert result["results"][0]["status"] == "applied", result
    return key


def live(key):
    db.session.expire_all()
    return not db.session.get(Customer, key).deleted


@pytest.mark.parametrize("base", MALFORMED_BASES.values(), ids=MALFORMED_BASES.keys())
def test_a_push_with_a_malformed_base_is_422_and_deletes_nothing(client, org, auth, base):
    phone = Device(client, auth.headers(org.rep1))
    key = created_customer(phone)
    mutation = {**phone.delete("customers", key), "base": base}
    response = client.post("/api/v1/sync/push", headers=phone.headers, json={
        "schema_version": 1, "client_id": phone.client_id, "mutations": [mutation]})
    assert_error(response, 422)
    assert live(key)


@pytest.mark.parametrize("base", MALFORMED_BASES.values(), ids=MALFORMED_BASES.keys())
def test_the_engine_refuses_a_malformed_base_for_that_mutation_only(client, org, auth, base):
    phone = Device(client, auth.headers(org.rep1))
    kept, deleted = created_customer(phone), created_customer(phone)
    access = Access.for_user(db.session, org.rep1)
    result = pushing.push(db.session, registry, access, phone.client_id, [
        {**phone.delete("customers", kept), "base": base},
        phone.delete("customers", deleted)])
    db.session.commit()
    assert [(r["status"], r.get("reason")) for r in result["results"]] == [
        ("rejected", "invalid"), ("applied", None)]
    assert live(kept) and not live(deleted)
