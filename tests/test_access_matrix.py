"""The access matrix: every endpoint (walked from app.url_map) and every synced table
against every kind of caller, each answer as docs/access.md says; and personal data
(contact_personal) reaching nobody else through the API, the pull, conflict records,
the audit trail or the CSV export."""

import re
from datetime import timedelta

import pytest
from api_helpers import API, contact, customer, opportunity, personal, task, visit
from flask_jwt_extended import create_access_token

from server.extensions import db
from tests.sync_helpers import Device

PUBLIC = {("POST", "/api/v1/auth/login"), ("GET", "/api/v1/meta"),
          ("GET", "/api/v1/openapi.json")}
SECRET = "PERSONAL-hometown-Yixing-8817"
COLLECTIONS = ["customers", "contacts", "contact-personal", "opportunities", "visits", "tasks"]
PATCH = {"customers": {"city": "Changed"}, "contacts": {"title": "Changed"},
         "contact-personal": {"food": "Changed"}, "opportunities": {"notes": "Changed"},
         "visits": {"notes": "Changed"}, "tasks": {"who": "Changed"}}
# docs/access.md: who reads and writes a customer's records (owner rep1 of team A,
# shared with rep2 of team A). True = 200, False = 404.
SEES = {"rep1": True, "rep2": True, "rep_b": False, "manager": True, "manager_b": False,
        "admin": True}
SEES_PERSONAL = {**SEES, "rep2": False}
ROLES = list(SEES)


@pytest.fixture
def world(client, auth, org):
    owner = auth.headers(org.rep1)
    cust = customer(client, owner, "Matrix Ltd")
    person = contact(client, owner, cust["id"], name="Matrix Contact")
    personal(client, owner, person, hometown=SECRET)
    rows = {"customers": cust["id"], "contacts": person["id"],
            "contact-personal": person["id"],
            "opportunities": opportunity(client, owner, cust["id"])["id"],
            "visits": visit(client, owner, cust["id"])["id"],
            "tasks": task(client, owner, cust["id"])["id"]}
    share = client.post(f"{API}/customers/{cust['id']}/shares", headers=owner,
                        json={"user_id": org.rep2.id})
    assert share.status_code == 201, share.get_json()
    return rows


def bad_tokens(app, client, auth, org):
    login = auth.login(org.rep2)
    with app.app_context():
        expired = create_access_token(org.rep2, expires_delta=timedelta(seconds=-5))
    header, payload, signature = auth.login(org.rep2)["access_token"].split(".")
    revoked = login["access_token"]
    assert client.post(f"{API}/auth/logout", headers={
        "Authorization": f"Bearer {revoked}"}).status_code == 204
    return {"no token": {}, "not bearer": {"Authorization": "Basic cmVwOnBhc3M="},
            "garbage": {"Authorization": "Bearer not.a.token"},
            "expired": {"Authorization": f"Bearer {expired}"},
            "revoked": {"Authorization": f"Bearer {revoked}"},
            "tampered": {"Authorization": f"Bearer {header}.{payload}.{signature[::-1]}"},
            "refresh as access": {"Authorization": f"Bearer {login['refresh_token']}"}}


def endpoints(app, world):
    """(method, path) for every API route, path parameters filled with real ids."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = re.sub(r"<uuid:key>", world["customers"], rule.rule)
            path = re.sub(r"<[^>]+>", world["customers"], path)
            yield method, rule.rule, path


def test_every_endpoint_refuses_missing_and_bad_tokens(app, client, auth, org, world):
    tokens = bad_tokens(app, client, auth, org)
    checked = 0
    for method, rule, path in endpoints(app, world):
        if (method, rule) in PUBLIC or rule == "/api/v1/auth/refresh":
            continue
        for name, headers in tokens.items():
            if name == "refresh as access" and rule == "/api/v1/auth/logout":
                continue  # logout takes either token, by design
            response = client.open(path, method=method, headers=headers, json={})
            assert response.status_code == 401, (method, path, name, response.status_code)
            assert response.get_json()["code"] == 401
            checked += 1
    assert checked > 60 * len(tokens) // 2
    # The refresh endpoint takes a refresh token only.
    for name, headers in tokens.items():
        if name != "refresh as access":
            assert client.post(f"{API}/auth/refresh", headers=headers).status_code == 401


def test_public_endpoints_need_no_token(client):
    assert client.get(f"{API}/meta").status_code == 200
    assert client.get(f"{API}/openapi.json").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_records_of_a_customer_per_role(client, auth, org, world, role):
    headers = auth.headers(getattr(org, role))
    for collection in COLLECTIONS:
        visible = (SEES_PERSONAL if collection == "contact-personal" else SEES)[role]
        key = world[collection]
        read = client.get(f"{API}/{collection}/{key}", headers=headers)
        assert read.status_code == (200 if visible else 404), (role, collection)
        listed = client.get(f"{API}/{collection}?page_size=200", headers=headers).get_json()
        assert (key in [item["id"] for item in listed["items"]]) == visible, (role, collection)
        write = client.patch(f"{API}/{collection}/{key}", headers=headers,
                             json=PATCH[collection])
        assert write.status_code == (200 if visible else 404), (role, collection,
                                                                 write.get_json())
        if not visible:
            assert client.delete(f"{API}/{collection}/{key}", headers=headers).status_code \
                == 404
        body = " ".join(client.get(f"{API}/{c}?page_size=200&q=Yixing", headers=headers)
                        .get_data(as_text=True) for c in COLLECTIONS)
        assert (SECRET in body) == SEES_PERSONAL[role], (role, "personal data in search")
    # Deleting the customer: owner, manager, admin; the shared rep 403; others 404.
    expected = {"rep1": 204, "rep2": 403, "rep_b": 404, "manager": 204, "manager_b": 404,
                "admin": 204}[role]
    assert client.delete(f"{API}/customers/{world['customers']}",
                         headers=headers).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_admin_only_and_directory_endpoints(client, auth, org, role):
    headers = auth.headers(getattr(org, role))
    admin = role == "admin"
    stage = client.post(f"{API}/stages", headers=headers, json={
        "number": 9, "key": f"matrix_{role}", "name_en": "M", "name_zh": "M", "probability": 50})
    assert stage.status_code in ((201,) if admin else (403,)), stage.get_json()
    user = client.post(f"{API}/users", headers=headers, json={
        "email": f"new-{role}@example.com", "name": "N", "role": "rep",
        "password": "long enough pw"})
    assert user.status_code == (201 if admin else 403)
    assert client.post(f"{API}/teams", headers=headers, json={"name": f"T {role}"}) \
        .status_code == (201 if admin else 403)
    users = {u["email"] for u in client.get(f"{API}/users?page_size=200",
                                            headers=headers).get_json()["items"]}
    me = getattr(org, role).email
    expected = {"rep1": {me}, "rep2": {me}, "rep_b": {me},
                "manager": {"manager@test", "rep1@test", "rep2@test"},
                "manager_b": {"manager_b@test", "rep_b@test"}}.get(role)
    if expected is not None:
        assert users == expected
    else:
        assert {"rep1@test", "rep_b@test", "manager_b@test"} <= users


def _sync_scope(client, headers, name):
    device = Device(client, headers, name)
    changes, page = device.pull()
    return device, changes


@pytest.mark.parametrize("role", ROLES)
def test_pull_and_push_per_role(client, auth, org, world, role):
    headers = auth.headers(getattr(org, role))
    device, changes = _sync_scope(client, headers, f"matrix-{role}")
    tables = {c["table"] for c in changes if c.get("data", {}).get("customer_id") ==
              world["customers"] or (c["table"] == "customers" and c["id"] == world["customers"])}
    expected = {"customers", "contacts", "opportunities", "visits", "tasks"} if SEES[role] \
        else set()
    if SEES_PERSONAL[role]:
        expected.add("contact_personal")
    assert tables == expected, role
    assert (SECRET in str(changes)) == SEES_PERSONAL[role]
    result = device.push(device.put("contacts", world["contacts"], {"title": f"by {role}"}),
                         device.put("contact_personal", world["contacts"],
                                    {"customer_id": world["customers"], "food": role}))
    statuses = [r["status"] if r["status"] != "rejected" else r["reason"]
                for r in result["results"]]
    assert statuses[0] == ("applied" if SEES[role] else "not_found"), (role, result)
    assert statuses[1] == ("applied" if SEES_PERSONAL[role] else "not_found"), (role, result)


def _personal_conflict(client, auth, org, world):
    # Two editors of the personal data write the same field concurrently: a conflict.
    owner = Device(client, auth.headers(org.rep1), "owner")
    manager = Device(client, auth.headers(org.manager), "manager")
    owner.pull()
    manager.pull()
    key, cust = world["contacts"], world["customers"]
    manager.push(manager.put("contact_personal", key, {"customer_id": cust,
                                                       "hometown": "PERSONAL-Manager-Wuxi-55"}))
    owner.push(owner.put("contact_personal", key, {"customer_id": cust,
                                                   "hometown": "PERSONAL-Owner-Suzhou-66"}))
    db.session.commit()
    return key, cust, [SECRET, "PERSONAL-Manager-Wuxi-55", "PERSONAL-Owner-Suzhou-66"]


def _leaks(client, auth, org, key, cust, secrets):
    found = []
    for role in ("rep2", "rep_b", "manager_b"):
        headers = auth.headers(getattr(org, role))
        seen = [str(_sync_scope(client, headers, f"leak-{role}")[1])]
        for path in ("conflicts?page_size=200", "audit?page_size=200",
                     f"audit?record_id={key}", "contact-personal?page_size=200",
                     f"contacts/{key}", f"customers/{cust}"):
            seen.append(client.get(f"{API}/{path}", headers=headers).get_data(as_text=True))
        sources = ["pull", "conflicts", "audit", "audit of the record", "contact-personal",
                   "contact", "customer"]
        found += [(role, source, secret) for source, text in zip(sources, seen, strict=True)
                  for secret in secrets if secret in text]
    return found


def test_personal_data_stays_out_of_the_api_audit_and_csv(app, client, auth, org, world,
                                                         runner, tmp_path):
    key, cust, secrets = _personal_conflict(client, auth, org, world)
    assert _leaks(client, auth, org, key, cust, secrets) == []
    # The CSV export of customers carries no personal field.
    out = tmp_path / "customers.csv"
    result = runner.invoke(args=["export-customers", str(out)])
    assert result.exit_code == 0, result.output
    csv_text = out.read_text("utf-8-sig")
    assert "Matrix Ltd" in csv_text
    for secret in secrets:
        assert secret not in csv_text


def test_personal_conflicts_reach_only_the_personal_data_scope(client, auth, org, world):
    key, cust, secrets = _personal_conflict(client, auth, org, world)
    assert _leaks(client, auth, org, key, cust, secrets) == []
