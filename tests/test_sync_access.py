"""Who receives what through the sync pull, and who may push what. Each test tries to
break one rule of docs/access.md."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from server.access import Access
from server.extensions import db
from server.models import Customer, CustomerShare
from tests.sync_helpers import Device, new_id


@pytest.fixture
def account(client, org, auth):
    """rep1's customer with a contact, its personal data, an opportunity and a visit."""
    phone = Device(client, auth.headers(org.rep1), "owner")
    ids = {name: new_id() for name in ("customer", "contact", "opportunity", "visit")}
    result = phone.push(
        phone.put("customers", ids["customer"], {"name": "Acme"}),
        phone.put("contacts", ids["contact"], {"customer_id": ids["customer"], "name": "Wang"}),
        phone.put("contact_personal", ids["contact"], {"customer_id": ids["customer"],
                                                       "hometown": "Harbin"}),
        phone.put("opportunities", ids["opportunity"], {"customer_id": ids["customer"],
                                                        "name": "Boilers"}),
        phone.put("visits", ids["visit"], {"customer_id": ids["customer"], "type": "gift",
                                           "occurred_at": "2026-11-01T10:00:00Z"}))
    assert {r["status"] for r in result["results"]} == {"applied"}
    return ids


def tables_received(client, auth, user):
    changes, _ = Device(client, auth.headers(user)).pull()
    return {(c["table"], c["id"]) for c in changes if c["op"] == "put"
            and c["table"] != "stages"}


def test_owner_and_their_manager_and_admin_receive_everything(client, org, auth, account):
    for user in (org.rep1, org.manager, org.admin):
        received = tables_received(client, auth, user)
        assert ("contact_personal", account["contact"]) in received
        assert len(received) == 5


@pytest.mark.parametrize("who", ["rep2", "rep_b", "manager_b"])
def test_others_receive_nothing(client, org, auth, account, who):
    assert tables_received(client, auth, getattr(org, who)) == set()


def test_a_shared_rep_receives_the_account_but_not_personal_data(client, org, auth, account):
    db.session.add(CustomerShare(customer_id=account["customer"], user_id=org.rep2.id))
    db.session.commit()
    received = tables_received(client, auth, org.rep2)
    assert ("contacts", account["contact"]) in received
    assert not any(table == "contact_personal" for table, _ in received)


def test_a_shared_rep_cannot_write_personal_data(client, org, auth, account):
    db.session.add(CustomerShare(customer_id=account["customer"], user_id=org.rep2.id))
    db.session.commit()
    phone = Device(client, auth.headers(org.rep2))
    [result] = phone.push(phone.put("contact_personal", account["contact"], {
        "customer_id": account["customer"], "spouse": "guess"}))["results"]
    assert result["reason"] == "not_found"


@pytest.mark.parametrize("who", ["rep2", "rep_b", "manager_b"])
def test_others_cannot_write_or_delete(client, org, auth, account, who):
    phone = Device(client, auth.headers(getattr(org, who)))
    results = phone.push(
        phone.put("customers", account["customer"], {"name": "Hijacked"}),
        phone.put("contacts", new_id(), {"customer_id": account["customer"], "name": "Spy"}),
        phone.delete("visits", account["visit"]))["results"]
    assert [r["status"] for r in results] == ["rejected"] * 3
    assert tables_received(client, auth, org.rep1) >= {("customers", account["customer"]),
                                                       ("visits", account["visit"])}


def test_conflict_records_follow_the_customer_scope(client, org, auth, account):
    a = Device(client, auth.headers(org.rep1), "a")
    b = Device(client, auth.headers(org.manager), "b")
    a.pull()
    b.pull()
    a.push(a.put("customers", account["customer"], {"city": "Wuxi"}))
    b.push(b.put("customers", account["customer"], {"city": "Suzhou"}))
    assert any(t == "conflicts" for t, _ in tables_received(client, auth, org.rep1))
    assert not any(t == "conflicts" for t, _ in tables_received(client, auth, org.rep_b))


def test_only_admins_edit_the_stage_template(client, org, auth):
    from server.models import Stage
    from server.stage_defaults import DEFAULT_STAGES

    admin = Device(client, auth.headers(org.admin))
    stage = new_id()
    first = {k: v for k, v in DEFAULT_STAGES[0].items()}
    assert admin.push(admin.put("stages", stage, first))["results"][0]["status"] == "applied"
    rep = Device(client, auth.headers(org.rep1))
    rep.pull()
    [result] = rep.push(rep.put("stages", stage, {"probability": 99}))["results"]
    assert result["reason"] == "forbidden"
    db.session.expire_all()
    assert db.session.get(Stage, stage).probability == 5


def test_conflict_records_are_made_and_kept_by_the_server(client, org, auth, account):
    phone = Device(client, auth.headers(org.rep1))
    conflict = new_id()
    [made] = phone.push(phone.put("conflicts", conflict, {"status": "open"}))["results"]
    assert made["reason"] == "forbidden"
    a, b = Device(client, auth.headers(org.rep1), "a"), Device(client, auth.headers(org.rep1))
    a.pull()
    b.pull()
    a.push(a.put("customers", account["customer"], {"city": "Wuxi"}))
    [conflict] = b.push(b.put("customers", account["customer"], {"city": "Suzhou"}))[
        "results"][0]["conflicts"]
    b.pull()
    [deleted] = b.push(b.delete("conflicts", conflict))["results"]
    assert deleted["reason"] == "forbidden"


def test_users_of_one_kind_share_statements_yet_receive_only_their_own(client, org, auth):
    """A pull's statements are built once per kind of user (Access.sql_template) and run
    with each user's own id and teams: reps, then managers of two teams, pulling in turn,
    each receive only the changes in their own scope, on the first sync and on routine
    pulls."""
    reps = {who: new_id() for who in ("rep1", "rep2", "rep_b")}
    sees = {"rep1": {"rep1"}, "rep2": {"rep2"}, "rep_b": {"rep_b"},
            "manager": {"rep1", "rep2"}, "manager_b": {"rep_b"}}
    phones = {who: Device(client, auth.headers(getattr(org, who)), who) for who in sees}
    for name in ("first", "edited"):  # the first pull from 0, then a routine one
        for who, key in reps.items():
            phone = phones[who]
            assert phone.push(phone.put("customers", key, {"name": f"{who} {name}"}))[
                "results"][0]["status"] == "applied"
        for who, phone in phones.items():
            changes, _ = phone.pull(verify=False)
            received = {c["id"] for c in changes if c["table"] == "customers"}
            assert received == {reps[rep] for rep in sees[who]}, (who, name)


def test_a_template_statement_never_runs_with_another_users_values(app, org):
    """Statements built from ``Access.sql_template`` carry parameters, not the user's id
    and teams: run without that user's parameters they fail instead of answering for
    whoever they were built for."""
    kind, template, params = Access.for_user(db.session, org.manager).sql_template()
    assert kind == ("manager", True)
    assert params == {"scope_user_id": org.manager.id, "scope_team_ids": [org.team_a.id]}
    statement = sa.select(Customer.id).where(template.read_filter("customers", Customer.id))
    assert org.manager.id not in str(statement)
    db.session.execute(statement, params).all()
    with pytest.raises(StatementError, match="scope_user_id|scope_team_ids"):
        db.session.execute(statement).all()
    db.session.rollback()
