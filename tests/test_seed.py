"""seed-demo and seed_bulk: who can log in, what a screen shows, and that sync agrees."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from server import domain
from server.access import Access
from server.extensions import db, sync_tables
from server.models import (
    Contact,
    ContactPersonal,
    Customer,
    CustomerShare,
    Opportunity,
    Stage,
    Task,
    Team,
    User,
    Visit,
)
from server.seed import DEMO_PASSWORD, DEMO_TEAM, AlreadySeeded, _demo_records, seed_bulk, seed_demo
from server.sync_registry import registry
from sync.engine import CHECKSUM_MOD, record_hash
from sync.pull import scope_checksum
from tests.sync_helpers import recomputed

DEMO_EMAILS = ["admin@demo", "manager@demo", "rep1@demo", "rep2@demo"]


@pytest.fixture
def demo(app):
    return seed_demo()


def user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def access(email):
    return Access.for_user(db.session, user(email))


def assert_checksums_consistent():
    for email in DEMO_EMAILS:
        policy = access(email)
        assert scope_checksum(db.session, registry, policy) == recomputed(policy), email


def test_the_four_demo_users_log_in_to_their_team_and_stages(demo, client):
    for email in DEMO_EMAILS:
        response = client.post("/api/v1/auth/login",
                               json={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["user"]["email"] == email
    check_team_and_roles()
    check_stage_template()


def check_team_and_roles():
    team = db.session.scalar(sa.select(Team).where(Team.name == DEMO_TEAM))
    assert team.manager_id == user("manager@demo").id
    assert {u.email: u.role for u in team.members} == {
        "manager@demo": "manager", "rep1@demo": "rep", "rep2@demo": "rep"}
    assert user("admin@demo").role == "admin"
    # One password hash for all (hashed once), and it is Argon2.
    hashes = {user(email).password_hash for email in DEMO_EMAILS}
    assert len(hashes) == 1 and hashes.pop().startswith("$argon2id$")


def check_stage_template():
    stages = db.session.scalars(sa.select(Stage).order_by(Stage.number)).all()
    assert [(s.number, s.probability) for s in stages] == [
        (1, 5), (2, 10), (3, 25), (4, 50), (5, 75), (6, 100), (7, 100)]
    assert stages[4].criteria_rule == "any" and stages[4].name_zh == "商务突破"


def test_customers_and_decision_chains_are_realistic(demo):
    for email in ("rep1@demo", "rep2@demo"):
        customers = db.session.scalars(sa.select(Customer).where(
            Customer.owner_id == user(email).id)).all()
        assert len(customers) == 12
        names = [c.name for c in customers]
        assert any(n.isascii() for n in names) and any(not n.isascii() for n in names)
        assert {c.abc_class for c in customers} == {"A", "B", "C"}
        for c in customers:
            assert c.city and c.address and c.phone and c.website and c.industry
            assert c.loyalty in domain.LOYALTY
            assert c.relationship_level in domain.RELATIONSHIP_LADDER
            assert c.development_strategy in domain.DEVELOPMENT_STRATEGY
            assert set(c.key_account_criteria) == set(domain.KEY_ACCOUNT_CRITERIA)
            assert c.installed_base and c.purchase_plans and c.budget
    assert "无锡华光电力设备有限公司" in names_of_all()
    assert "Northwind Hospital Group" in names_of_all()
    check_decision_chains_and_competitors()


def names_of_all():
    return set(db.session.scalars(sa.select(Customer.name)))


def check_decision_chains_and_competitors():
    for customer in db.session.scalars(sa.select(Customer)):
        contacts = db.session.scalars(sa.select(Contact).where(
            Contact.customer_id == customer.id)).all()
        assert 3 <= len(contacts) <= 6
        assert any("decision_maker" in c.roles for c in contacts)
        ids = {c.id for c in contacts}
        assert all(c.reports_to_id in ids for c in contacts if c.reports_to_id)
        competitors = db.session.scalar(sa.select(sa.func.count()).where(
            sync_tables_competitors().c.customer_id == customer.id))
        assert 1 <= competitors <= 3
    contacts = db.session.scalars(sa.select(Contact)).all()
    assert {r for c in contacts for r in c.roles} == set(domain.CONTACT_ROLES)
    assert {c.stance for c in contacts} == set(domain.STANCES)
    assert {c.level for c in contacts} == set(domain.CONTACT_LEVELS)
    personal = db.session.scalars(sa.select(ContactPersonal)).all()
    assert 0 < len(personal) < len(contacts)
    assert all(p.id in {c.id for c in contacts} for p in personal)


def sync_tables_competitors():
    return registry["competitors"].table


def test_pipeline_covers_every_milestone_and_activity_type(demo):
    opportunities = db.session.scalars(sa.select(Opportunity)).all()
    for rep in ("rep1@demo", "rep2@demo"):
        mine = [o for o in opportunities if o.owner_id == user(rep).id]
        assert {o.milestone for o in mine} == set(range(1, 8)), rep
    assert {o.status for o in opportunities} == {"open", "won", "lost"}
    for o in opportunities:
        if o.status == "lost":
            assert o.lost_reason in domain.LOST_REASONS and o.lost_note
        else:
            assert o.probability == {1: 5, 2: 10, 3: 25, 4: 50, 5: 75, 6: 100, 7: 100}[o.milestone]
        assert o.stage_entered_at is not None
    currencies = Counter(o.currency for o in opportunities)
    assert currencies.most_common(1)[0][0] == "CNY" and len(currencies) > 1
    today = date.today()
    assert any(o.expected_close_date < today for o in opportunities if o.status == "open")
    # milestone and probability were written by the server (versions exist for them)
    assert all("milestone" in o.field_versions for o in opportunities)
    check_visits()
    check_tasks()


def check_visits():
    visits = db.session.scalars(sa.select(Visit)).all()
    now = datetime.now(UTC)
    for rep in ("rep1@demo", "rep2@demo"):
        mine = [v for v in visits if v.author_id == user(rep).id]
        assert {v.type for v in mine} == set(domain.ACTIVITY_TYPES), rep
    for v in visits:
        assert now - timedelta(days=91) < v.occurred_at <= now + timedelta(days=1)
        assert v.purpose and v.contact_ids
        assert v.gift_value <= domain.GIFT_VALUE_CAP
        assert (v.gift_value > 0) == (v.type == "gift")
    contact_customer = dict(db.session.execute(sa.select(Contact.id, Contact.customer_id)).all())
    assert all(contact_customer[c] == v.customer_id for v in visits for c in v.contact_ids)


def check_tasks():
    tasks = db.session.scalars(sa.select(Task)).all()
    today = date.today()
    assert any(t.due_date == today and not t.done for t in tasks)
    assert any(t.due_date < today and not t.done for t in tasks)
    assert any(t.done for t in tasks)
    visit_ids = set(db.session.scalars(sa.select(Visit.id)))
    assert all(t.visit_id in visit_ids for t in tasks)


def test_records_went_through_the_sync_engine_with_consistent_checksums(demo):
    seqs = []
    log = sync_tables.change_log
    for spec in registry.specs.values():
        for row in db.session.execute(sa.select(spec.table)):
            seqs.append(row.seq)
            assert row.field_versions and row.created_by == user("admin@demo").id
    head = db.session.scalar(sa.select(sync_tables.state.c.seq))
    assert sorted(seqs) == list(range(1, head + 1))  # one seq each, no gaps
    entries = db.session.execute(sa.select(log.c.client_id, log.c.op)).all()
    assert len(entries) == len(seqs)
    assert {e for e in entries} == {("seed", "create")}
    check_sync_checksums()


def check_sync_checksums():
    assert_checksums_consistent()
    rep1, rep2 = access("rep1@demo"), access("rep2@demo")
    # rep2 sees their 12 customers and the one shared with them, not its personal data
    shared = db.session.scalar(sa.select(CustomerShare.customer_id))
    assert db.session.scalar(sa.select(Customer.owner_id).where(Customer.id == shared)) \
        == rep1.user_id
    assert scope_checksum(db.session, registry, rep2)[1] > 0


def test_a_rep_pulls_the_seeded_data_with_a_matching_checksum(demo, client):
    rep = user("rep1@demo")
    token = client.post("/api/v1/auth/login", json={
        "email": rep.email, "password": DEMO_PASSWORD}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    cursor, seen = 0, {}
    for _ in range(20):
        body = client.post("/api/v1/sync/pull", headers=headers, json={
            "schema_version": 1, "client_id": "test-phone-1", "cursor": cursor,
            "limit": 2000}).get_json()
        for change in body["changes"]:
            seen[(change["table"], change["id"])] = change["seq"]
        cursor = body["cursor"]
        if not body["more"]:
            break
    expected, count = recomputed(access("rep1@demo"))
    assert len(seen) == count
    total = sum(record_hash(t, k, s) for (t, k), s in seen.items()) % CHECKSUM_MOD
    assert total == expected
    assert body["checksum"] == f"{expected:012x}"
    customers = {k for (t, k) in seen if t == "customers"}
    assert len(customers) == 12


def test_if_empty_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "seeded the demo organisation" in first.output
    head = db.session.scalar(sa.select(sync_tables.state.c.seq))
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    second = runner.invoke(args=["seed-demo", "--if-empty"])
    assert second.exit_code == 0, second.output
    assert "not seeded" in second.output
    assert db.session.scalar(sa.select(sync_tables.state.c.seq)) == head
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users
    assert_checksums_consistent()


def test_if_empty_does_nothing_when_any_user_exists(app, org, runner):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "not seeded" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0


def test_seeding_twice_without_if_empty_is_refused(demo, runner):
    with pytest.raises(AlreadySeeded):
        seed_demo()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1 and "demo users exist already" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 4


def test_the_demo_is_deterministic():
    users = {email: f"00000000-0000-4000-8000-00000000000{n}"
             for n, email in enumerate(DEMO_EMAILS)}
    today = date(2025, 3, 14)
    stages = {1: 5, 2: 10, 3: 25, 4: 50, 5: 75, 6: 100, 7: 100}
    import random

    first = list(_demo_records(random.Random(7), users, today, stages))
    second = list(_demo_records(random.Random(7), users, today, stages))
    assert first == second


def test_seed_bulk_keeps_seqs_and_checksums(demo):
    head = db.session.scalar(sa.select(sync_tables.state.c.seq))
    summary = seed_bulk(reps=2, customers_per_rep=30, contacts_per_customer=3,
                        visits_per_customer=4)
    assert summary["counts"] == {"customers": 60, "contacts": 180, "visits": 240}
    assert db.session.scalar(sa.select(sync_tables.state.c.seq)) == head + 480
    seqs = []
    for spec in registry.specs.values():
        seqs += db.session.scalars(sa.select(spec.table.c.seq)).all()
    assert sorted(seqs) == list(range(1, head + 481))
    assert_checksums_consistent()
    for rep_id in summary["reps"]:
        policy = Access.for_user(db.session, db.session.get(User, rep_id))
        checksum, count = scope_checksum(db.session, registry, policy)
        assert (checksum, count) == recomputed(policy)
        assert count == 30 + 90 + 120 + 7  # plus the stage template
    # for an existing rep, by email
    more = seed_bulk(reps=["rep2@demo"], customers_per_rep=5, contacts_per_customer=1,
                     visits_per_customer=1)
    assert more["reps"] == [user("rep2@demo").id]
    assert_checksums_consistent()
    visit = db.session.scalar(sa.select(Visit).where(Visit.author_id == summary["reps"][0]))
    assert visit.field_versions["type"] and visit.occurred_at.tzinfo is not None
