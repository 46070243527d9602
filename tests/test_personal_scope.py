"""Personal data follows scope changes on the phones (issue 19, item 8).

``contact_personal`` (and the conflicts about it) is seen by a customer's owner and the
owner's managers, not by those it is shared with. A change of owner or of team can give
or take personal data from someone who keeps seeing the customer: their next pull
delivers it, or evicts it alone (``evict`` with ``tables``), and the phone's checksum
still matches the server's.
"""

import pytest
from api_helpers import API, contact, customer, personal
from conftest import PASSWORD
from sync_helpers import Device, make_client


@pytest.fixture
def account(client, auth, org):
    """rep1's customer with a contact, its personal data, and a conflict over that
    personal data (the manager's offline edit lost to rep1's), shared with rep2."""
    rep1 = auth.headers(org.rep1)
    key = customer(client, rep1)["id"]
    person = contact(client, rep1, key)
    personal(client, rep1, person, hometown="Wuxi")
    offline = Device(client, auth.headers(org.manager))
    offline.pull()
    assert client.patch(f"{API}/contact-personal/{person['id']}", headers=rep1,
                        json={"hometown": "Suzhou"}).status_code == 200
    [result] = offline.push(offline.put("contact_personal", person["id"],
                                        {"hometown": "Changzhou"}))["results"]
    assert result["status"] == "conflict", result
    assert client.post(f"{API}/customers/{key}/shares", headers=rep1,
                       json={"user_id": org.rep2.id}).status_code == 201
    return {"customer": key, "contact": person["id"], "conflict": result["conflicts"][0]}


def _phone(client, user):
    phone = make_client(client, user, PASSWORD)
    phone.sync()
    return phone


def _holds(phone, account):
    """What of the account the phone holds: customer, contact, personal data, and the
    conflict over the personal data."""
    return {"customer": account["customer"] in phone.query("customers"),
            "contact": account["contact"] in phone.query("contacts"),
            "personal": account["contact"] in phone.query("contact_personal"),
            "conflict": account["conflict"] in phone.query("conflicts")}


EVERYTHING = {"customer": True, "contact": True, "personal": True, "conflict": True}
NO_PERSONAL = {"customer": True, "contact": True, "personal": False, "conflict": False}


def _verified(phone):
    """The phone's own sum matches the server's for its user's whole scope."""
    page = phone.pull(verify=True)
    return page["checksum"] is not None and page["checksum"] == phone.checksum()


def _reassign(client, auth, org, key, owner):
    response = client.patch(f"{API}/customers/{key}", headers=auth.headers(org.manager),
                            json={"owner_id": owner.id})
    assert response.status_code == 200, response.get_json()


def test_a_shared_rep_who_becomes_the_owner_receives_the_personal_data(
        client, auth, org, account):
    phone = _phone(client, org.rep2)
    assert _holds(phone, account) == NO_PERSONAL

    _reassign(client, auth, org, account["customer"], org.rep2)

    phone.sync()
    assert _holds(phone, account) == EVERYTHING
    assert _verified(phone)
    served = client.get(f"{API}/contact-personal/{account['contact']}",
                        headers=auth.headers(org.rep2))
    assert served.status_code == 200  # the phone now holds what REST serves
    assert phone.get("contact_personal", account["contact"])["hometown"] == \
        served.get_json()["hometown"]


def test_an_owner_who_keeps_a_share_loses_only_the_personal_data(client, auth, org, account):
    """rep2 becomes the owner and shares the account back with rep1; then it goes back
    to rep1. Both still see it: rep2 through the share, without its personal data now,
    and rep1 with it. Nobody gains the account itself, so nothing else is re-sent."""
    _reassign(client, auth, org, account["customer"], org.rep2)
    assert client.post(f"{API}/customers/{account['customer']}/shares",
                       headers=auth.headers(org.rep2),
                       json={"user_id": org.rep1.id}).status_code == 201
    old_owner, new_owner = _phone(client, org.rep2), _phone(client, org.rep1)
    assert _holds(old_owner, account) == EVERYTHING
    assert _holds(new_owner, account) == NO_PERSONAL

    _reassign(client, auth, org, account["customer"], org.rep1)

    old_owner.sync()
    new_owner.sync()
    assert _holds(old_owner, account) == NO_PERSONAL
    assert _holds(new_owner, account) == EVERYTHING
    assert _verified(old_owner) and _verified(new_owner)
    # The account stayed on the old owner's phone: no download from 0 was needed.
    pulled = [body for path, body in old_owner.transport.sent if path.endswith("/sync/pull")]
    assert 0 not in [body["cursor"] for body in pulled[1:]]


def test_a_manager_who_sees_the_account_only_through_a_share_loses_its_personal_data(
        client, auth, org, account):
    """rep1 moves to team B: team A's manager still sees the account (it is shared with
    rep2, of team A), no longer its personal data; team B's manager gets it all."""
    old_manager, new_manager = _phone(client, org.manager), _phone(client, org.manager_b)
    assert _holds(old_manager, account) == EVERYTHING
    assert not any(_holds(new_manager, account).values())

    response = client.patch(f"{API}/users/{org.rep1.id}", headers=auth.headers(org.admin),
                            json={"team_id": org.team_b.id})
    assert response.status_code == 200, response.get_json()

    old_manager.sync()
    new_manager.sync()
    assert _holds(old_manager, account) == NO_PERSONAL
    assert _holds(new_manager, account) == EVERYTHING
    assert _verified(old_manager) and _verified(new_manager)


def test_the_evict_names_the_personal_tables(client, auth, org, account):
    """The protocol: the pull says which tables leave (an old phone that does not read
    ``tables`` drops the whole customer: nothing personal stays, and its next verified
    pull downloads the rest again)."""
    _reassign(client, auth, org, account["customer"], org.rep2)
    phone = Device(client, auth.headers(org.rep2))
    phone.pull()
    _reassign(client, auth, org, account["customer"], org.rep1)
    changes, _page = phone.pull()
    assert [{k: c[k] for k in ("op", "customer_id", "tables")} for c in changes
            if c["op"] == "evict"] == [{"op": "evict", "customer_id": account["customer"],
                                        "tables": ["contact_personal"]}]
