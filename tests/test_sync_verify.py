"""Checksum on request (docs/sync-protocol.md, L5): a pull with ``verify: false`` carries
no scope checksum and never reads the per-customer sums, so a routine pull costs only its
changes; a pull with ``verify`` true or absent is checked as before."""

from contextlib import contextmanager

import sqlalchemy as sa

from server.extensions import db
from sync.engine import format_checksum, record_hash
from tests.sync_helpers import Device, new_id


@contextmanager
def statements():
    """Every SQL statement the app's engine runs inside the block (lower case)."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement.lower())

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def reads_the_sums(seen):
    return any("sync_checksums" in statement for statement in seen)


def _phone_with_customers(client, org, auth, count=3):
    writer = Device(client, auth.headers(org.rep1), "writer")
    keys = [new_id() for _ in range(count)]
    writer.push(*(writer.put("customers", key, {"name": f"Customer {i}"})
                  for i, key in enumerate(keys)))
    return writer, keys


def _expected_checksum(changes):
    """The checksum of what a phone holds after applying ``changes`` from nothing."""
    held = {}
    for change in changes:
        if change["op"] == "put":
            held[(change["table"], change["id"])] = change["seq"]
        elif change["op"] == "del":
            held.pop((change["table"], change["id"]), None)
    return format_checksum(sum(record_hash(table, key, seq)
                               for (table, key), seq in held.items()))


def test_routine_pull_without_verify_has_no_checksum_and_skips_the_sums(client, org, auth):
    writer, keys = _phone_with_customers(client, org, auth)
    phone = Device(client, auth.headers(org.rep1))
    changes, first = phone.pull()
    assert first["checksum"] == _expected_checksum(changes) and first["count"] == 3
    writer.push(writer.put("customers", keys[0], {"city": "Wuxi"}))
    with statements() as seen:
        changes, page = phone.pull(verify=False)
    assert [c["id"] for c in changes] == [keys[0]]
    assert changes[0]["data"]["city"] == "Wuxi"
    assert page["checksum"] is None and page["count"] is None
    assert "total" not in page and page["more"] is False
    assert seen, "the listener saw no statement"
    assert not reads_the_sums(seen), [s for s in seen if "sync_checksums" in s]
    # Nor does it list the rep's scope (owned UNION shared customers): each changed
    # row's customer is looked up by key (Access.row_filter).
    assert not any(" union " in statement for statement in seen)
    # Nothing new: still nothing computed, and the cursor stays at the head.
    with statements() as seen:
        changes, again = phone.pull(verify=False)
    assert changes == [] and again["cursor"] == page["cursor"]
    assert not reads_the_sums(seen)


def test_pull_with_verify_true_or_absent_has_the_checksum(client, org, auth):
    writer, keys = _phone_with_customers(client, org, auth)
    phone = Device(client, auth.headers(org.rep1))
    everything, _ = phone.pull(verify=False)
    writer.push(writer.put("customers", keys[1], {"city": "Suzhou"}))
    with statements() as seen:
        changes, page = phone.pull(verify=True)
    assert len(changes) == 1
    assert reads_the_sums(seen)  # the listener does see the sums when they are read
    expected = _expected_checksum(everything + changes)
    assert page["checksum"] == expected and page["count"] == 3
    writer.push(writer.put("customers", keys[2], {"city": "Hangzhou"}))
    changes, page = phone.pull()  # no verify field: verified, as before the field
    assert len(changes) == 1 and page["count"] == 3
    fresh = Device(client, auth.headers(org.rep1), "fresh")
    all_changes, fresh_page = fresh.pull()
    assert page["checksum"] == fresh_page["checksum"] == _expected_checksum(all_changes)


def test_first_sync_without_verify_keeps_total(client, org, auth):
    _phone_with_customers(client, org, auth, count=5)
    single = Device(client, auth.headers(org.rep1), "single")
    changes, page = single.pull(verify=False)
    assert len(changes) == 5
    assert (page["checksum"], page["count"], page["total"]) == (None, None, 5)
    paged = Device(client, auth.headers(org.rep1), "paged")
    response = client.post("/api/v1/sync/pull", headers=paged.headers, json={
        "schema_version": 1, "client_id": paged.client_id, "cursor": 0, "limit": 2,
        "verify": False})
    first = response.get_json()
    assert first["more"] is True and first["total"] == 5 and "checksum" not in first
    # A first sync the client asks to verify is verified on its last page.
    verified = Device(client, auth.headers(org.rep1), "verified")
    changes, page = verified.pull(limit=2, verify=True)
    assert page["checksum"] == _expected_checksum(changes) and page["count"] == 5


def test_verify_must_be_a_boolean(client, org, auth):
    device = Device(client, auth.headers(org.rep1))
    response = client.post("/api/v1/sync/pull", headers=device.headers, json={
        "schema_version": 1, "client_id": device.client_id, "cursor": 0, "verify": "maybe"})
    assert response.status_code == 422
    assert "verify" in response.get_json()["errors"]["json"]


def test_the_engine_alone_skips_the_sums(app, org):
    """sync.pull.pull(verify=False) without HTTP: the same, for integrations."""
    from server.access import Access
    from server.sync_registry import registry
    from sync.engine import ChangeSet
    from sync.pull import pull

    access = Access.for_user(db.session, org.rep1)
    db.session.commit()
    key = new_id()
    with ChangeSet(db.session, registry, access, client_id="engine-test") as changes:
        changes.put("customers", key, {"name": "Engine"})
    db.session.commit()
    cursor = pull(db.session, registry, access, "engine-test", 0)["cursor"]
    db.session.rollback()
    with ChangeSet(db.session, registry, access, client_id="engine-test") as changes:
        changes.put("customers", key, {"city": "Nanjing"})
    db.session.commit()
    with statements() as seen:
        page = pull(db.session, registry, access, "engine-test", cursor, verify=False)
    db.session.rollback()
    assert [c["id"] for c in page["changes"]] == [key]
    assert page["checksum"] is None and page["count"] is None
    assert not reads_the_sums(seen)
    page = pull(db.session, registry, access, "engine-test", cursor)
    db.session.rollback()
    assert page["checksum"] is not None and page["count"] == 1


def test_row_filter_agrees_with_read_filter_for_every_user_and_table(app):
    """An incremental pull checks each row's customer (Access.row_filter) instead of
    listing the scope (read_filter): both must select exactly the same rows, conflict
    records (seen as the record they are about) and personal data included."""
    from server.access import SYSTEM, Access
    from server.models import ContactPersonal, Customer, User
    from server.seed import seed_demo
    from server.sync_registry import registry
    from sync.engine import ChangeSet
    from sync.pull import scope_clause

    seed_demo()
    db.session.commit()
    rep1 = db.session.scalar(sa.select(User).where(User.email == "rep1@demo"))
    customer = db.session.scalar(sa.select(Customer.id).where(Customer.owner_id == rep1.id)
                                 .limit(1))
    personal = db.session.scalar(sa.select(ContactPersonal.id).where(
        ContactPersonal.customer_id.in_(sa.select(Customer.id).where(
            Customer.owner_id == rep1.id))).limit(1))
    assert customer is not None and personal is not None
    stale = "0000000000001-00000-stale"  # a version nobody wrote: both edits conflict
    with ChangeSet(db.session, registry, SYSTEM, client_id="stale-phone") as changes:
        changes.put("customers", customer, {"city": "Lost city"}, base={"city": stale})
        changes.put("contact_personal", personal, {"sports": "lost"},
                    base={"sports": stale})
    db.session.commit()
    users = db.session.scalars(sa.select(User)).all()
    assert {u.role for u in users} >= {"admin", "manager", "rep"}
    about = registry["conflicts"].table.c.table_name
    assert set(db.session.scalars(sa.select(about))) >= {"customers", "contact_personal"}
    for user in users:
        policy = Access.for_user(db.session, user)
        for spec in registry.specs.values():
            table = spec.table
            seen = []
            for by_row in (False, True):
                clause = scope_clause(registry, spec, policy, table, by_row=by_row)
                query = sa.select(table.c.id)
                if clause is not None:
                    query = query.where(clause)
                seen.append(set(db.session.scalars(query)))
            assert seen[0] == seen[1], (user.email, spec.name)


def test_scope_checksum_does_not_overflow_on_many_buckets(app):
    """Each bucket is below 2^48; 70,000 of them sum past 2^63, where SQLite's sum()
    raised "integer overflow" (a verified pull of a rep with ~50,000 customers)."""
    from server.access import SYSTEM
    from server.extensions import sync_tables
    from server.sync_registry import registry
    from sync.engine import CHECKSUM_MOD
    from sync.pull import scope_checksum

    big = CHECKSUM_MOD - 1 - 12345
    rows = [{"customer_id": f"c-{i:06d}", "table_name": "visits", "checksum": big - i,
             "count": 2} for i in range(70_000)]
    db.session.execute(sa.insert(sync_tables.checksums), rows)
    db.session.commit()
    expected = sum(row["checksum"] for row in rows) % CHECKSUM_MOD
    assert scope_checksum(db.session, registry, SYSTEM) == (expected, 140_000)
