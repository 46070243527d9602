"""The PWA applies an evict of personal data alone (issue 19, item 8): a rep who stops
being an account's owner but keeps a share of it loses the contact's personal data from
the phone, keeps the account and its contact, and the phone's checksum still matches
the server's (no download from 0 follows)."""

import time
import uuid

import requests

from .pwa_pages import local, login, sync
from .test_sync_repair import _move_clock, _pull_cursors, _verify_every_ms


def _rest(server, email, method, path, body=None):
    token = server.login(email)["access_token"]
    response = requests.request(method, f"{server.url}/api/v1{path}", json=body, timeout=10,
                                headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 300, (response.status_code, response.text)
    return response.json() if response.content else None


def _account_with_personal_data(server):
    """rep1@demo's account with a contact and its personal data (pushed by a device)."""
    name = f"Personal {uuid.uuid4().hex[:6]}"
    key = server.create_customer("rep1@demo", name, city="Wuxi")
    person = str(uuid.uuid4())
    hlc = f"{int(time.time() * 1000):013d}-00001-testseed"
    result = server.push("rep1@demo", [
        {"op": "put", "table": "contacts", "key": person, "hlc": hlc, "base": {},
         "fields": {"customer_id": key, "name": "Zhou Min"}},
        {"op": "put", "table": "contact_personal", "key": person, "hlc": hlc, "base": {},
         "fields": {"customer_id": key, "hometown": "Yixing"}}])
    assert [r["status"] for r in result["results"]] == ["applied", "applied"], result
    return key, person


def _user_id(server, email):
    users = _rest(server, "manager@demo", "GET", "/users?per_page=100")["items"]
    return next(u["id"] for u in users if u["email"] == email)


def _reassign(server, key, email):
    _rest(server, "manager@demo", "PATCH", f"/customers/{key}",
          {"owner_id": _user_id(server, email)})


def test_a_personal_only_evict_keeps_the_account_on_the_phone(server, phone):
    key, person = _account_with_personal_data(server)
    # Shared with rep2, who then becomes the owner (the share stays) and shares it back.
    _rest(server, "rep1@demo", "POST", f"/customers/{key}/shares",
          {"user_id": _user_id(server, "rep2@demo")})
    _reassign(server, key, "rep2@demo")
    _rest(server, "rep2@demo", "POST", f"/customers/{key}/shares",
          {"user_id": _user_id(server, "rep1@demo")})
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep2@demo")  # the owner now: the personal data is on the phone
    assert local(page, "contact_personal", person)["hometown"] == "Yixing"

    _reassign(server, key, "rep1@demo")  # back to rep1; rep2 keeps the share
    sync(page)

    assert local(page, "contact_personal", person) is None
    assert local(page, "customers", key) is not None
    assert local(page, "contacts", person)["name"] == "Zhou Min"
    # A verified pull finds the phone's sum equal to the server's: nothing downloaded again.
    cursors = _pull_cursors(page)
    _move_clock(page, _verify_every_ms(page))
    sync(page)
    assert cursors and 0 not in cursors, cursors
    assert local(page, "customers", key) is not None
