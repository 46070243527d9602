"""The push's shortcuts change nothing a device can observe.

- A push body that looks plainly well formed skips the nested marshmallow load
  (server/api/sync.py): whatever it lets through, PushSchema must load to the same data.
- One- and two-field edits, and creates of schemas without hooks, are checked field by
  field (server/sync_registry.py), plain texts without marshmallow: the answer must be
  marshmallow's load (partial for edits), errors included.
- The engine queues its record writes and sends them in batches (sync/engine.py): one
  push that creates, edits and reads back in any order must leave what one-by-one
  writes would have left; rows inserted together (one COPY on PostgreSQL, a plain
  executemany elsewhere) keep every type and default, and store what SQLAlchemy's own
  INSERT and UPDATE store.
- The push reads the rows it touches in part (sync/engine.py prefetch): a write that
  needs more reads the row whole.
"""

import copy
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from server import storable
from server.api.sync import PushSchema, _plainly_valid_push
from server.extensions import db
from server.models import Contact, Customer, Visit
from server.schemas import ContactSchema, CustomerSchema, VisitSchema
from server.sync_registry import SYNCED, _plain_text, registry
from sync.engine import Rejected
from tests.sync_helpers import Device, new_id

KEYS = st.sampled_from([str(uuid.uuid4()), str(uuid.uuid4()).upper(),
                        uuid.uuid4().hex, "not-a-uuid", 7])
TEXT = st.one_of(st.text(max_size=8), st.integers(), st.none(), st.booleans())
MUTATION = st.fixed_dictionaries(
    {"id": st.one_of(st.integers(-1, 12), st.just(2**53 + 1), st.booleans(), st.just("3")),
     "op": st.sampled_from(["put", "delete", "merge", None]),
     "table": st.one_of(st.sampled_from(["customers", "visits"]), st.text(max_size=45)),
     "key": KEYS},
    optional={"hlc": st.one_of(st.text(max_size=130), st.none(), st.integers()),
              "fields": st.one_of(st.dictionaries(st.text(max_size=5), TEXT, max_size=3),
                                  st.lists(TEXT, max_size=2), st.none()),
              "base": st.one_of(st.dictionaries(st.text(max_size=5), TEXT, max_size=3),
                                st.none(), st.text(max_size=3)),
              "extra": st.integers()})
BODY = st.fixed_dictionaries(
    {"schema_version": st.one_of(st.just(1), st.just(1.0), st.just("1"), st.booleans()),
     "client_id": st.sampled_from(["phone-123456789", "short", "bad id with spaces!"]),
     "mutations": st.lists(MUTATION, max_size=4)},
    optional={"cursor": st.integers()})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BODY)
def test_a_body_taken_as_it_is_is_one_marshmallow_loads_the_same(body):
    if not _plainly_valid_push(body):
        return
    loaded = PushSchema().load(copy.deepcopy(body))  # raises if the shortcut was wrong
    for mutation in loaded["mutations"]:
        mutation["key"] = str(mutation["key"])
    assert loaded == body


def test_the_shortcut_takes_what_the_apps_send(client, org, auth):
    device = Device(client, auth.headers(org.rep1))
    body = {"schema_version": 1, "client_id": device.client_id, "mutations": [
        device.put("customers", new_id(), {"name": "Acme", "city": "Wuxi"}),
        device.delete("customers", new_id())]}
    assert _plainly_valid_push(body)
    # and anything odd goes to marshmallow, which words the error
    body["mutations"][1]["id"] = body["mutations"][0]["id"]
    assert not _plainly_valid_push(body)
    response = client.post("/api/v1/sync/push", headers=device.headers, json=body)
    assert response.status_code == 422
    assert "strictly increasing" in str(response.get_json()["errors"])


EDITS = {
    "customers": (CustomerSchema, {
        "city": ["Wuxi", "", None, 5, "x" * 101],
        "abc_class": ["A", "Z", None],
        "email": ["buyer@example.com", "not an email", None],
        "is_key_account": [True, "yes", "maybe", None],
        "key_account_criteria": [{"scale": 3}, {"scale": 9}, {"nonsense": 1}, []],
        "owner_id": [str(uuid.uuid4()), "nope"],
        "development_strategy": ["dump only"],
        "nonexistent": [1]}),
    "contacts": (ContactSchema, {
        "title": ["采购经理", None, 3],
        "level": ["decision", "emperor"],
        "name": ["", "Zhang"]}),
}


@pytest.mark.parametrize("table_name", sorted(EDITS))
def test_field_by_field_checks_answer_as_a_partial_load(app, table_name):
    schema_class, values = EDITS[table_name]
    validate = registry[table_name].validate
    names = sorted(values)
    cases = [{name: value} for name in names for value in values[name]]
    cases += [{a: values[a][0], b: values[b][-1]} for a, b in zip(names, names[1:], strict=False)]
    for fields in cases:
        _assert_answers_as_load(schema_class, validate, fields, creating=False)


def _assert_answers_as_load(schema_class, validate, fields, creating):
    """``validate`` returns what marshmallow's load (partial for an edit) returns, or is
    Rejected with its error messages; text no database stores is refused before the
    load, whatever the field (server/storable.py)."""
    try:
        unstorable = storable.problems(fields, dates_and_numbers=False)
        if unstorable:
            raise ValidationError(unstorable)
        expected = schema_class().load(dict(fields), partial=not creating)
    except ValidationError as error:
        with pytest.raises(Rejected) as rejected:
            validate(dict(fields), creating)
        assert rejected.value.errors == error.messages, fields
    else:
        assert validate(dict(fields), creating) == expected, fields


PLAIN_TEXTS = [(name, schema_class, field_name, field)
               for name, _model, schema_class, _scope in SYNCED
               for field_name, field in schema_class().load_fields.items()
               if _plain_text(field) is not None and name in registry.specs]


def _near_limits(field):
    """Texts at and around the field's length limits, its choices and near misses."""
    choices = [c for rule in field.validators for c in getattr(rule, "choices", [])]
    limits = [n for rule in field.validators for n in (getattr(rule, "min", None),
                                                       getattr(rule, "max", None)) if n]
    return st.one_of(st.text(max_size=12), st.sampled_from(choices or [""]),
                     st.sampled_from(choices or [""]).map(lambda c: c.upper() + " "),
                     st.sampled_from(limits or [0]).flatmap(
                         lambda n: st.integers(max(0, n - 1), n + 1).map(lambda k: "字" * k)),
                     st.none(), st.integers(), st.binary(max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PLAIN_TEXTS).flatmap(
    lambda case: st.tuples(st.just(case), _near_limits(case[3]))))
def test_plain_texts_taken_without_marshmallow_answer_as_a_load(case):
    """Texts of a length or choice a field allows skip its deserialize: every value,
    allowed or not, must still get marshmallow's answer."""
    (table_name, schema_class, field_name, _field), value = case
    assert len(PLAIN_TEXTS) > 40  # the texts of every synced table are covered
    _assert_answers_as_load(schema_class, registry[table_name].validate,
                            {field_name: value}, creating=False)


VISIT = {"customer_id": str(uuid.uuid4()), "type": "gift", "occurred_at": "2026-11-20T09:30:00Z",
         "duration_minutes": 45, "purpose": "方案交流", "notes": "", "outcome": "",
         "cost_amount": 120, "cost_currency": "CNY", "gift_value": 1999.5,
         "contact_ids": [str(uuid.uuid4())]}
CREATES = {
    "visits": (VisitSchema, [
        VISIT, {**VISIT, "gift_value": 2000.01}, {**VISIT, "gift_value": -1},
        {**VISIT, "type": "bribe"}, {**VISIT, "occurred_at": "yesterday"},
        {**VISIT, "contact_ids": ["nope"]}, {**VISIT, "cost_amount": None},
        {key: value for key, value in VISIT.items() if key != "occurred_at"},
        {**VISIT, "author_id": str(uuid.uuid4())}, {**VISIT, "nonexistent": 1},
        {"customer_id": VISIT["customer_id"], "type": "exhibition",
         "occurred_at": "2026-11-20T09:30:00+08:00"}]),
    "customers": (CustomerSchema, [
        {"name": "Acme"}, {"name": ""}, {"city": "Wuxi"}, {"name": "Acme", "abc_class": "Z"},
        {"name": "Acme", "is_key_account": "yes"}]),
    "contacts": (ContactSchema, [
        {"customer_id": VISIT["customer_id"], "name": "Zhang", "level": "decision"},
        {"customer_id": VISIT["customer_id"], "name": "Zhang", "level": "emperor"},
        {"name": "Zhang"}]),
}


@pytest.mark.parametrize("table_name", sorted(CREATES))
def test_creates_checked_field_by_field_answer_as_a_load(app, table_name):
    schema_class, cases = CREATES[table_name]
    validate = registry[table_name].validate
    for fields in cases:
        _assert_answers_as_load(schema_class, validate, fields, creating=True)


def test_one_push_creates_edits_and_reads_back_in_order(client, org, auth):
    """Queued writes: a customer and its children created, edited, re-read and deleted
    within one push land exactly as they would one by one; a verdict asked about a
    customer before it existed does not outlive its creation."""
    device = Device(client, auth.headers(org.rep1))
    customer, contact, visit, doomed = new_id(), new_id(), new_id(), new_id()
    result = device.push(
        device.put("contacts", new_id(), {"customer_id": customer, "name": "Orphan"}),
        device.put("customers", customer, {"name": "Acme", "city": "Wuxi"}),
        device.put("contacts", doomed, {"customer_id": customer, "name": "Temp"}),
        device.put("contacts", contact, {"customer_id": customer, "name": "Li"}),
        device.put("contacts", contact, {"title": "采购经理"}, base={}),
        device.put("customers", customer, {"city": "Suzhou"}, base={}),
        device.put("visits", visit, {"customer_id": customer, "type": "customer_visit",
                                     "occurred_at": "2026-11-20T09:00:00Z"}),
        device.put("customers", customer, {"phone": "0512-1"}, base={}),
        device.delete("contacts", doomed),
        device.put("visits", visit, {"notes": "交期"}, base={}))
    statuses = [r["status"] for r in result["results"]]
    # The first contact names a customer that does not exist yet: refused, as before.
    assert statuses == ["rejected"] + ["applied"] * 9, result
    seqs = [r.get("seq") for r in result["results"]]
    db.session.expire_all()
    row = db.session.get(Customer, customer)
    assert (row.name, row.city, row.phone) == ("Acme", "Suzhou", "0512-1")
    assert row.seq == seqs[7]  # the last write to the row decides its seq
    assert db.session.get(Contact, contact).title == "采购经理"
    assert db.session.get(Contact, doomed).deleted
    assert db.session.get(Visit, visit).notes == "交期"
    assert db.session.get(Visit, visit).seq == seqs[9]
    # A second phone downloads the same records and agrees on the checksum.
    other = Device(client, auth.headers(org.rep1), "other")
    changes, page = other.pull()
    assert page["checksum"] is not None
    assert {(c["table"], c["id"]) for c in changes if c["op"] == "put"} >= {
        ("customers", customer), ("contacts", contact), ("visits", visit)}
    assert device.pull()[1]["checksum"] == page["checksum"]


def test_queued_children_are_sent_after_their_new_customer(client, org, auth):
    """An admin's writes need no access queries, so nothing reads between the queued
    inserts: a contact sent before its customer would break the foreign key (PostgreSQL
    and SQLite both enforce it here)."""
    device = Device(client, auth.headers(org.admin))
    customer, contact = new_id(), new_id()
    result = device.push(
        device.put("customers", customer, {"name": "Acme", "owner_id": org.rep1.id}),
        device.put("contacts", contact, {"customer_id": customer, "name": "Li"}),
        device.put("customers", customer, {"city": "Wuxi"}, base={}))
    assert [r["status"] for r in result["results"]] == ["applied"] * 3, result
    db.session.expire_all()
    assert db.session.get(Contact, contact).customer_id == customer
    assert db.session.get(Customer, customer).city == "Wuxi"


def test_rows_editing_different_fields_share_one_update_and_keep_every_type(
        client, org, auth):
    """The queued updates of one table go out as one statement (on PostgreSQL one JSON
    document of rows): amounts, times, dates, lists, booleans, nulls and awkward text
    must come back exactly, and the fields a row did not change must stay as they were."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from server.models import Task

    device = Device(client, auth.headers(org.rep1))
    customer = new_id()
    visits, tasks = [new_id() for _ in range(3)], [new_id() for _ in range(3)]
    device.push(
        device.put("customers", customer, {"name": "Acme"}),
        *[device.put("visits", key, {"customer_id": customer, "type": "customer_visit",
                                     "occurred_at": "2026-11-20T09:00:00Z",
                                     "notes": "before", "cost_amount": 10})
          for key in visits],
        *[device.put("tasks", key, {"customer_id": customer, "what": "before",
                                    "due_date": "2026-12-01"}) for key in tasks])
    awkward = 'a "quoted" \\ back\nslash, 中文 and \u2028 and emoji 🚚'
    edits = [
        device.put("visits", visits[0], {"cost_amount": 12.5, "notes": awkward}, base={}),
        device.put("visits", visits[1], {"occurred_at": "2026-11-21T17:30:05.250Z",
                                         "contact_ids": [customer]}, base={}),
        device.put("visits", visits[2], {"duration_minutes": 90}, base={}),
        device.put("tasks", tasks[0], {"due_date": "2027-01-31", "done": True}, base={}),
        device.put("tasks", tasks[1], {"due_date": None}, base={}),
        device.put("tasks", tasks[2], {"what": awkward}, base={})]
    result = device.push(*edits)
    assert [r["status"] for r in result["results"]] == ["applied"] * 6, result
    db.session.expire_all()
    first, second, third = (db.session.get(Visit, key) for key in visits)
    assert (first.cost_amount, first.notes, first.duration_minutes) == (
        Decimal("12.50"), awkward, 0)
    assert second.occurred_at == datetime(2026, 11, 21, 17, 30, 5, 250000, tzinfo=UTC)
    assert (second.contact_ids, second.notes, second.cost_amount) == (
        [customer], "before", Decimal("10.00"))
    assert (third.duration_minutes, third.notes) == (90, "before")
    done, undated, renamed = (db.session.get(Task, key) for key in tasks)
    assert (done.due_date, done.done, done.what) == (date(2027, 1, 31), True, "before")
    assert (undated.due_date, undated.done) == (None, False)
    assert (renamed.what, renamed.due_date) == (awkward, date(2026, 12, 1))
    assert first.seq == result["results"][0]["seq"]
    assert first.field_versions["notes"] == edits[0]["hlc"]
    assert first.field_versions["type"] != edits[0]["hlc"]  # untouched: still the create's


def test_records_created_together_keep_every_type_default_and_audit_entry(
        client, org, auth):
    """Rows inserted together go out as one batch (on PostgreSQL one COPY, which skips
    SQLAlchemy's INSERT): values of every type come back exactly, the columns a push
    left out get the model's defaults, and each write has its audit entry."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from server.extensions import sync_tables

    device = Device(client, auth.headers(org.rep1))
    customers, visits = [new_id() for _ in range(3)], [new_id() for _ in range(3)]
    awkward = 'tab\there, a "quoted" \\ back\nslash, 中文, \\N and 🚚'
    result = device.push(
        *[device.put("customers", key, {"name": f"Acme {n}"})
          for n, key in enumerate(customers)],
        *[device.put("visits", key, {"customer_id": customers[0], "type": "customer_visit",
                                     "occurred_at": "2026-11-21T17:30:05.250Z",
                                     "notes": awkward, "cost_amount": 12.5,
                                     "contact_ids": [customers[1]]}) for key in visits])
    assert [r["status"] for r in result["results"]] == ["applied"] * 6, result
    db.session.expire_all()
    for n, key in enumerate(customers):
        row = db.session.get(Customer, key)
        assert (row.name, row.city, row.key_account_criteria, row.is_key_account) == (
            f"Acme {n}", "", {}, False)
        assert row.owner_id == org.rep1.id and not row.deleted
    for key in visits:
        row = db.session.get(Visit, key)
        assert (row.notes, row.cost_amount, row.contact_ids, row.occurred_at) == (
            awkward, Decimal("12.50"), [customers[1]],
            datetime(2026, 11, 21, 17, 30, 5, 250000, tzinfo=UTC))
        assert row.author_id == org.rep1.id and row.created_at.tzinfo is not None
    log = sync_tables.change_log
    audited = db.session.execute(log.select().where(
        log.c.record_id.in_(customers + visits))).mappings().all()
    assert sorted((entry["record_id"], entry["op"]) for entry in audited) == sorted(
        (key, "create") for key in customers + visits)
    assert {entry["changes"]["notes"] for entry in audited
            if entry["table_name"] == "visits"} == {awkward}


def test_a_row_read_in_part_is_read_whole_when_a_write_needs_more(app, org):
    """The push reads rows in part (the fields its batch writes). A write that needs a
    column the prefetch left out, here a conflicting edit of another field whose value
    the conflict record must keep, reads the row whole first; a delete does too."""
    from server.access import Access
    from server.extensions import sync_tables
    from server.models import Conflict
    from sync.engine import ChangeSet

    access = Access.for_user(db.session, org.rep1)
    db.session.commit()
    key = new_id()
    with ChangeSet(db.session, registry, access, client_id="phone-one") as changes:
        changes.put("customers", key, {"name": "Acme", "city": "Wuxi", "phone": "0510-1"})
    db.session.commit()
    stale = "0000000000001-00000-stale"
    with ChangeSet(db.session, registry, access, client_id="phone-two") as changes:
        changes.prefetch({"customers": {key}}, {"customers": {"city"}})
        assert changes.put("customers", key, {"city": "Suzhou"}).status == "applied"
        outcome = changes.put("customers", key, {"phone": "0512-9"}, base={"phone": stale})
        assert changes.delete("customers", key).status == "applied"
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(Customer, key)
    assert (row.city, row.phone, row.name, row.deleted) == ("Suzhou", "0512-9", "Acme", True)
    conflict = db.session.get(Conflict, outcome.conflicts[0])
    assert conflict.fields == {"phone": {"lost": "0510-1", "kept": "0512-9"}}
    log = sync_tables.change_log
    assert [op for (op,) in db.session.execute(sa.select(log.c.op).where(
        log.c.record_id == key).order_by(log.c.seq))] == ["create", "update", "update",
                                                          "delete"]


def changes_of(record_id):
    from server.extensions import sync_tables

    log = sync_tables.change_log
    return db.session.scalar(sa.select(log.c.changes).where(log.c.record_id == record_id))


def test_stored_results_and_records_keep_their_json_as_sent(client, org, auth):
    """JSON columns round-trip through the database's JSON conversion (on PostgreSQL the
    driver's, set to orjson in server/database.py): a refusal's field errors, whose list
    items marshmallow numbers, come back from the stored results on a replay with the
    numbers as strings (as JSON has them); Chinese text, emoji and a JSON object come
    back as sent."""
    device = Device(client, auth.headers(org.rep1))
    customer, visit = new_id(), new_id()
    good = device.put("customers", customer, {"name": "苏州精密", "notes": "关键客户 🚚",
                                              "key_account_criteria": {"purchase_volume": 3}})
    bad = device.put("visits", visit, {"customer_id": customer, "type": "customer_visit",
                                       "occurred_at": "2026-11-20T09:00:00Z",
                                       "contact_ids": [customer, "not-a-uuid"]})
    first = device.push(good, bad)
    assert [r["status"] for r in first["results"]] == ["applied", "rejected"], first
    errors = first["results"][1]["errors"]
    assert errors["contact_ids"] == {"1": errors["contact_ids"]["1"]}
    replay = device.push(good, bad)
    assert [r.pop("replayed") for r in replay["results"]] == [True, True]
    assert replay["results"] == first["results"]
    db.session.expire_all()
    row = db.session.get(Customer, customer)
    assert (row.name, row.notes, row.key_account_criteria) == (
        "苏州精密", "关键客户 🚚", {"purchase_volume": 3})
    assert changes_of(customer)["notes"] == "关键客户 🚚"


def test_rows_written_in_batches_are_stored_as_sqlalchemy_writes_them(app):
    """The engine's batch writes skip SQLAlchemy's parameter handling (sync/writes.py):
    for every kind of column, including equal times in other zones (converted once per
    distinct value) and defaults left to the model, the stored text must be what
    SQLAlchemy's INSERT and UPDATE store."""
    from datetime import UTC, datetime, timedelta, timezone
    from decimal import Decimal

    from server.models.base import UTCDateTime
    from sync.writes import WriteQueue, insert_rows

    probe = sa.Table(
        "batch_write_probe", sa.MetaData(),
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True)),
        sa.Column("at_utc", UTCDateTime()),
        sa.Column("doc", sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("flag", sa.Boolean),
        sa.Column("label", sa.String(20), default="default label"))
    utc_time = datetime(2026, 11, 21, 9, 30, 5, 250000, tzinfo=UTC)
    shanghai_time = utc_time.astimezone(timezone(timedelta(hours=8)))  # equal instant

    def rows(prefix):
        return [{"id": f"{prefix}{n}", "at": at, "at_utc": at, "doc": doc, "amount": amount,
                 "flag": flag}
                for n, (at, doc, amount, flag) in enumerate([
                    (utc_time, {"中文": [1, 2.5, None]}, Decimal("12.50"), True),
                    (shanghai_time, {"a": "🚚"}, Decimal("0.10"), False),
                    (utc_time, [], None, None)])]

    class Spec:  # what WriteQueue reads of a table's spec
        name, table, scope_column = "batch_write_probe", probe, "customer_id"

    with db.engine.begin() as conn:
        probe.create(conn)
        insert_rows(conn, probe, rows("batched-"))
        conn.execute(sa.insert(probe), rows("plain-"))
        queue = WriteQueue()
        for prefix in ("batched-", "plain-"):
            for n, at in enumerate([shanghai_time, utc_time]):
                changed = {"at": at, "doc": {"n": n}} if n else {"at": at, "label": None}
                if prefix == "batched-":
                    queue.update(Spec, f"{prefix}{n}", changed)
                else:
                    conn.execute(sa.update(probe).where(probe.c.id == f"{prefix}{n}")
                                 .values(changed))
        queue.send(conn)
        stored = {row[0]: row[1:] for row in conn.exec_driver_sql(
            "SELECT id, CAST(at AS TEXT), CAST(at_utc AS TEXT), CAST(doc AS TEXT), "
            "CAST(amount AS TEXT), CAST(flag AS TEXT), label FROM batch_write_probe")}
        probe.drop(conn)
    assert len(stored) == 6
    for n in range(3):
        assert stored[f"batched-{n}"] == stored[f"plain-{n}"], n
    assert stored["batched-0"][1] == stored["batched-1"][1]  # at_utc: the same instant
    assert stored["batched-0"][5] is None and stored["batched-1"][5] == "default label"
