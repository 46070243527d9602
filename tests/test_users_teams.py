"""Users and teams, and what phones receive when people's scope changes."""

from api_helpers import API, assert_error, contact, customer, personal
from sqlalchemy import select
from sync_helpers import Device

from server.extensions import db
from server.models import User
from server.passwords import verify_password

NEW_USER = {"email": "wang.fang@example.com", "name": "Wang Fang", "role": "rep",
            "password": "a long enough password"}


def _pulled(device):
    changes, _page = device.pull()
    evicted = {c["customer_id"] for c in changes if c["op"] == "evict"}
    customers = {c["id"] for c in changes if c["op"] == "put" and c["table"] == "customers"}
    tables = {c["table"] for c in changes if c["op"] == "put"}
    return evicted, customers, tables


def test_admin_creates_a_user_who_can_log_in(client, auth, org):
    admin = auth.headers(org.admin)
    response = client.post(f"{API}/users", headers=admin,
                           json={**NEW_USER, "team_id": org.team_a.id})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert "password" not in body and "password_hash" not in body
    assert body["team_id"] == org.team_a.id and body["active"] is True
    stored = db.session.scalar(select(User).where(User.email == NEW_USER["email"]))
    assert stored.password_hash.startswith("$argon2id$")
    assert verify_password(stored.password_hash, NEW_USER["password"])
    login = client.post(f"{API}/auth/login", json={"email": NEW_USER["email"],
                                                   "password": NEW_USER["password"]})
    assert login.status_code == 200
    # the manager of team A now sees them
    seen = client.get(f"{API}/users?team_id={org.team_a.id}&q=wang",
                      headers=auth.headers(org.manager)).get_json()
    assert [item["email"] for item in seen["items"]] == [NEW_USER["email"]]


def test_user_creation_is_validated(client, auth, org):
    admin = auth.headers(org.admin)
    cases = [{**NEW_USER, "password": "short"}, {**NEW_USER, "role": "king"},
             {**NEW_USER, "email": "not-an-email"}, {**NEW_USER, "team_id": "x"},
             {**NEW_USER, "team_id": org.rep1.id},  # a UUID, but not a team
             {**NEW_USER, "password_hash": "x"}, {"email": "a@example.com"}]
    for body in cases:
        assert_error(client.post(f"{API}/users", headers=admin, json=body), 422)
    assert client.post(f"{API}/users", headers=admin, json=NEW_USER).status_code == 201
    taken = {**NEW_USER, "email": NEW_USER["email"].upper()}
    assert_error(client.post(f"{API}/users", headers=admin, json=taken), 409)


def test_deactivated_user_is_locked_out_at_once(client, auth, org):
    rep = auth.headers(org.rep1)
    assert client.get(f"{API}/auth/me", headers=rep).status_code == 200
    response = client.patch(f"{API}/users/{org.rep1.id}", headers=auth.headers(org.admin),
                            json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert_error(client.get(f"{API}/auth/me", headers=rep), 401)
    assert_error(client.post(f"{API}/auth/login", json={
        "email": org.rep1.email, "password": "correct horse battery"}), 401)


def test_admin_cannot_lock_themselves_out(client, auth, org):
    admin = auth.headers(org.admin)
    for change in ({"active": False}, {"role": "rep"}):
        assert_error(client.patch(f"{API}/users/{org.admin.id}", headers=admin, json=change),
                     409)


def test_a_team_manager_keeps_the_manager_role(client, auth, org):
    response = client.patch(f"{API}/users/{org.manager.id}", headers=auth.headers(org.admin),
                            json={"role": "rep"})
    assert_error(response, 409)


def test_teams_crud(client, auth, org):
    admin = auth.headers(org.admin)
    team = client.post(f"{API}/teams", headers=admin,
                       json={"name": "North", "territory": "Shandong"}).get_json()
    assert_error(client.post(f"{API}/teams", headers=admin, json={"name": "North"}), 409)
    assert_error(client.patch(f"{API}/teams/{team['id']}", headers=admin,
                              json={"manager_id": org.rep1.id}), 422)  # not a manager
    assert_error(client.delete(f"{API}/teams/{org.team_a.id}", headers=admin), 409)
    assert client.delete(f"{API}/teams/{team['id']}", headers=admin).status_code == 204
    assert_error(client.get(f"{API}/teams/{team['id']}", headers=admin), 404)
    mine = client.get(f"{API}/teams", headers=auth.headers(org.rep1)).get_json()
    assert [item["name"] for item in mine["items"]] == ["East"]


def test_reassignment_evicts_the_old_owner_and_delivers_to_the_new(client, auth, org):
    rep1, rep2 = auth.headers(org.rep1), auth.headers(org.rep2)
    key = customer(client, rep1)["id"]
    contact(client, rep1, key)
    old_phone, new_phone = Device(client, rep1), Device(client, rep2)
    _pulled(old_phone)
    _pulled(new_phone)

    response = client.patch(f"{API}/customers/{key}", headers=auth.headers(org.manager),
                            json={"owner_id": org.rep2.id})
    assert response.status_code == 200

    evicted, _, _ = _pulled(old_phone)
    assert evicted == {key}
    evicted, customers, tables = _pulled(new_phone)
    assert evicted == set() and customers == {key} and "contacts" in tables
    assert client.get(f"{API}/customers/{key}", headers=rep2).status_code == 200
    assert_error(client.get(f"{API}/customers/{key}", headers=rep1), 404)


def test_unsharing_evicts_and_sharing_delivers(client, auth, org):
    owner = auth.headers(org.rep1)
    key = customer(client, owner)["id"]
    phone = Device(client, auth.headers(org.rep_b))
    assert _pulled(phone)[1] == set()
    client.post(f"{API}/customers/{key}/shares", headers=owner, json={"user_id": org.rep_b.id})
    assert _pulled(phone)[1] == {key}
    client.delete(f"{API}/customers/{key}/shares/{org.rep_b.id}", headers=owner)
    assert _pulled(phone)[0] == {key}


def test_moving_a_rep_moves_their_customers_between_managers(client, auth, org):
    key = customer(client, auth.headers(org.rep1))["id"]
    old_manager = Device(client, auth.headers(org.manager))
    new_manager = Device(client, auth.headers(org.manager_b))
    assert key in _pulled(old_manager)[1]
    assert key not in _pulled(new_manager)[1]

    response = client.patch(f"{API}/users/{org.rep1.id}", headers=auth.headers(org.admin),
                            json={"team_id": org.team_b.id})
    assert response.status_code == 200 and response.get_json()["team_id"] == org.team_b.id

    assert _pulled(old_manager)[0] == {key}
    evicted, customers, _ = _pulled(new_manager)
    assert evicted == set() and customers == {key}
    assert client.get(f"{API}/customers/{key}",
                      headers=auth.headers(org.manager_b)).status_code == 200


def test_changing_a_teams_manager_moves_the_teams_customers(client, auth, org):
    rep1 = auth.headers(org.rep1)
    key = customer(client, rep1)["id"]
    person = contact(client, rep1, key)
    personal(client, rep1, person, hometown="Wuxi")
    admin = auth.headers(org.admin)
    newcomer = client.post(f"{API}/users", headers=admin, json={
        **NEW_USER, "role": "manager"}).get_json()
    old_phone = Device(client, auth.headers(org.manager))
    _pulled(old_phone)
    token = auth.login(db.session.get(User, newcomer["id"]), NEW_USER["password"])
    new_phone = Device(client, {"Authorization": f"Bearer {token['access_token']}"})
    assert _pulled(new_phone)[1] == set()

    response = client.patch(f"{API}/teams/{org.team_a.id}", headers=admin,
                            json={"manager_id": newcomer["id"]})
    assert response.status_code == 200

    assert _pulled(old_phone)[0] == {key}
    evicted, customers, tables = _pulled(new_phone)
    assert customers == {key} and "contact_personal" in tables


def test_a_role_to_or_from_admin_starts_their_phones_again(client, auth, org):
    """An admin sees every customer, anyone else only theirs: rather than an event per
    customer, the user's phones start again from 0 on their next sync (the outbox
    stays) and then hold exactly what the new role sees."""
    from conftest import PASSWORD
    from sync_helpers import make_client

    mine = customer(client, auth.headers(org.rep1), "Of rep1")["id"]
    theirs = customer(client, auth.headers(org.rep_b), "Of rep_b")["id"]
    admin = auth.headers(org.admin)
    phone = make_client(client, org.rep_b, PASSWORD)
    phone.sync()
    assert set(phone.query("customers")) == {theirs}

    promoted = client.patch(f"{API}/users/{org.rep_b.id}", headers=admin,
                            json={"role": "admin"})
    assert promoted.status_code == 200
    phone.sync()
    assert set(phone.query("customers")) == {mine, theirs}

    phone.put("customers", theirs, {"city": "Harbin"})  # made while still an admin
    demoted = client.patch(f"{API}/users/{org.rep_b.id}", headers=admin, json={"role": "rep"})
    assert demoted.status_code == 200
    phone.sync()
    assert set(phone.query("customers")) == {theirs}
    assert phone.get("customers", theirs)["city"] == "Harbin"
    assert phone.checksum() == phone.pull(verify=True)["checksum"]
    # A change of role that changes nothing seen (a rep made manager of no team) leaves
    # the phones alone.
    client.patch(f"{API}/users/{org.rep_b.id}", headers=admin, json={"role": "manager"})
    before = len(phone.transport.sent)
    phone.sync()
    cursors = [body["cursor"] for path, body in phone.transport.sent[before:]
               if path.endswith("/sync/pull")]
    assert cursors and 0 not in cursors and set(phone.query("customers")) == {theirs}


def test_a_phone_that_only_ever_pulled_is_started_again_too(client, auth, org):
    """A phone known to the server only by its pulls (its row was made before pulls
    recorded phones, here deleted to stand for that) is recorded by its next routine
    pull, so a later change of role reaches it like any other phone."""
    from conftest import PASSWORD
    from sync_helpers import make_client

    from server.extensions import sync_tables

    mine = customer(client, auth.headers(org.rep1), "Of rep1")["id"]
    theirs = customer(client, auth.headers(org.rep_b), "Of rep_b")["id"]
    phone = make_client(client, org.rep_b, PASSWORD)
    phone.sync()
    clients = sync_tables.clients
    db.session.execute(clients.delete().where(clients.c.client_id == phone.client_id))
    db.session.commit()
    phone.sync()  # routine: within the verify interval, no checksum asked

    promoted = client.patch(f"{API}/users/{org.rep_b.id}", headers=auth.headers(org.admin),
                            json={"role": "admin"})
    assert promoted.status_code == 200
    phone.sync()
    assert set(phone.query("customers")) == {mine, theirs}
