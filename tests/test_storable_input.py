"""Input no database can store is refused, never a 500 (issue 19, server/storable.py).

- Text with a NUL or an unpaired UTF-16 surrogate (half of an emoji, as JSON.stringify
  writes a note cut in the middle of one), in any text field of any synced table, as a
  value, a list item or a dict key: over REST a 422 naming the field, in a push that one
  mutation rejected ``invalid`` naming the field while the push's other mutations are
  applied; the stored record unchanged either way. A whole emoji is stored and read back
  as sent. The text fields are taken from the registry's schemas, not listed by hand.
- Dates outside 1900-2199, in UTC too (0001-01-01T00:00+08:00 is year 0 in UTC), on a
  record or in a query argument (the pipeline's as_of, from, to, month; list filters).
- JSON nested hundreds or thousands deep, as a body or inside a field.
"""

import json
import uuid

import pytest
import sqlalchemy as sa
from api_helpers import API, assert_error, contact, customer, opportunity, personal, task, visit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import fields
from sync_helpers import Device, new_id

from server import storable
from server.extensions import db
from server.sync_registry import SYNCED, registry

PUSH = f"{API}/sync/push"
HOSTILE = {"high surrogate": "\ud83d", "low surrogate": "\ude00", "NUL": "\x00"}
EMOJI = "记录 😀 ok"
STAGE = {"number": 1, "key": "project_approval", "name_en": "Project approval",
         "name_zh": "项目立项", "probability": 5, "criteria_rule": "all",
         "criteria": [{"en": "Need is clear", "zh": "需求基本明确"}]}


# -- the text fields, from the schemas --------------------------------------------------------

def _is_text(field):
    return isinstance(field, fields.String)


def _shape(field):
    """How a text reaches a database through ``field``, or None for a field with none."""
    if _is_text(field):
        return "text"
    if isinstance(field, fields.Dict) and _is_text(field.key_field):
        return "dict key"
    if isinstance(field, fields.List) and _is_text(field.inner):
        return "list item"
    if isinstance(field, fields.List) and isinstance(field.inner, fields.Dict):
        return "list of dicts"
    return None


def _free(field):
    """A text field that takes any text of its length (so an emoji too)."""
    return type(field) is fields.String and all(
        type(rule).__name__ == "Length" for rule in field.validators)


def _text_fields():
    """(table, field name, shape, free) for every text a device may write."""
    cases = []
    for table, _model, schema_class, _scope in SYNCED:
        for name, field in schema_class().load_fields.items():
            key = field.data_key or name
            shape = _shape(field)
            if shape is not None and key in registry[table].writable:
                cases.append((table, key, shape, shape == "text" and _free(field)))
    return cases


TEXT_FIELDS = _text_fields()


def _carrying(shape, text):
    """A value of ``shape`` that carries ``text``."""
    return {"text": text, "list item": [text], "dict key": {text: 1},
            "list of dicts": [{"en": text, "zh": text}]}[shape]


def test_every_synced_table_has_its_texts_covered():
    tables = {table for table, *_ in TEXT_FIELDS}
    assert tables == {table for table, *_ in SYNCED}
    assert len(TEXT_FIELDS) > 80
    assert {shape for _t, _f, shape, _free in TEXT_FIELDS} == {
        "text", "dict key", "list item", "list of dicts"}


# -- one record of every table ----------------------------------------------------------------

@pytest.fixture
def records(client, auth, org):
    """{table: (user, id)}: a record of each table, made over REST; tables whose records
    only the server makes (conflicts) or that need a stage flow (promotions) get a
    fresh id, where a write is a create attempt."""
    rep = auth.headers(org.rep1)
    account = customer(client, rep)
    person = contact(client, rep, account["id"])
    made = {
        "customers": account,
        "competitors": client.post(f"{API}/competitors", headers=rep, json={
            "customer_id": account["id"], "competitor": "Rival Co"}).get_json(),
        "contacts": person,
        "contact_personal": personal(client, rep, person, hometown="Wuxi"),
        "opportunities": opportunity(client, rep, account["id"]),
        "visits": visit(client, rep, account["id"]),
        "tasks": task(client, rep, account["id"]),
        "visit_plans": client.post(f"{API}/visit-plans", headers=rep, json={
            "customer_id": account["id"], "type": "customer_visit",
            "planned_at": "2026-11-01T10:00:00Z"}).get_json(),
        "check_ins": client.post(f"{API}/check-ins", headers=rep, json={
            "customer_id": account["id"], "kind": "in", "device_at": "2026-11-01T10:00:00Z",
            "no_position_reason": "denied"}).get_json(),
        "leads": client.post(f"{API}/leads", headers=rep, json={"name": "Zhang Min"}).get_json(),
    }
    stage = client.post(f"{API}/stages", headers=auth.headers(org.admin), json=STAGE)
    assert stage.status_code == 201, stage.get_json()
    by_table = {table: (org.rep1, row["id"]) for table, row in made.items()}
    by_table["stages"] = (org.admin, stage.get_json()["id"])
    for table in ("conflicts", "promotions"):
        by_table[table] = (org.rep1, new_id())
    by_table["customer_id"] = account["id"]
    by_table["create_with"] = {"promotions": {
        "customer_id": account["id"], "opportunity_id": made["opportunities"]["id"],
        "from_milestone": 1}}
    return by_table


def _row(table, key):
    db.session.rollback()  # a fresh read: the requests wrote in their own sessions
    spec = registry[table]
    found = db.session.execute(sa.select(spec.table).where(spec.table.c.id == key))
    row = found.mappings().first()
    return dict(row) if row is not None else None


def _send(client, method, path, headers, body, ascii_only=True):
    """``body`` as JSON text the way a phone sends it: ``json.dumps`` writes an unpaired
    surrogate as the escape ``JSON.stringify`` writes (the test client's own encoder
    would refuse it)."""
    return client.open(path, method=method, headers={**headers,
                                                     "Content-Type": "application/json"},
                       data=json.dumps(body, ensure_ascii=ascii_only).encode())


class Phones:
    """One device per user, made on first use."""

    def __init__(self, client, auth):
        self.client, self.auth, self.devices = client, auth, {}

    def __call__(self, user):
        if user.id not in self.devices:
            self.devices[user.id] = Device(self.client, self.auth.headers(user), user.role)
        return self.devices[user.id]

    def push(self, user, *mutations, ascii_only=True):
        device = self(user)
        response = _send(self.client, "POST", PUSH, device.headers, {
            "schema_version": 1, "client_id": device.client_id,
            "mutations": list(mutations)}, ascii_only)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["results"]


@pytest.fixture
def phones(client, auth):
    return Phones(client, auth)


def _fresh_customer(device):
    return device.put("customers", new_id(), {"name": f"Fresh {uuid.uuid4().hex[:6]}"})


# -- hostile text -----------------------------------------------------------------------------

def _assert_refused_in_a_push(phones, records, case, text):
    """The one mutation carrying ``text`` is rejected invalid, naming its field; the
    mutations before and after it are applied; the record is as it was."""
    table, name, shape, _free_text = case
    user, key = records[table]
    device = phones(user)
    before = _row(table, key)
    first = _fresh_customer(device)
    # A create attempt names what a create needs, so that it reaches validation.
    needs = records["create_with"].get(table, {}) if before is None else {}
    hostile = device.put(table, key, {**needs, name: _carrying(shape, text)})
    second = _fresh_customer(device)
    results = phones.push(user, first, hostile, second)
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"], results
    assert results[1]["reason"] == "invalid" and name in results[1]["errors"], results[1]
    assert _row(table, key) == before
    assert _row("customers", first["key"]) is not None
    assert _row("customers", second["key"]) is not None


def _assert_refused_over_rest(client, auth, records, case, text):
    table, name, shape, _free_text = case
    user, key = records[table]
    before = _row(table, key)
    response = _send(client, "PATCH", f"{API}/{table.replace('_', '-')}/{key}",
                     auth.headers(user), {name: _carrying(shape, text)})
    body = assert_error(response, 422)
    assert name in body["errors"]["json"], body
    assert _row(table, key) == before


def test_unstorable_text_in_every_field_is_refused_alone(client, auth, records, phones):
    """Every text field of every synced table, each kind of unstorable text: the push's
    other mutations go on, REST answers 422; nothing is stored."""
    for case in TEXT_FIELDS:
        for bad in HOSTILE.values():
            text = f"cut {bad} here"
            _assert_refused_in_a_push(phones, records, case, text)
            _assert_refused_over_rest(client, auth, records, case, text)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=st.sampled_from(TEXT_FIELDS), before=st.text(max_size=8),
       bad=st.sampled_from(sorted(HOSTILE.values())), after=st.text(max_size=8),
       over_rest=st.booleans())
def test_unstorable_text_anywhere_in_a_value_is_refused(client, auth, records, phones, case,
                                                        before, bad, after, over_rest):
    """Wherever the bad character sits among any other text (hypothesis' text has NULs
    and surrogates of its own too), the answer is a refusal naming the field."""
    text = before + bad + after
    if over_rest:
        _assert_refused_over_rest(client, auth, records, case, text)
    else:
        _assert_refused_in_a_push(phones, records, case, text)


def test_a_whole_emoji_is_stored_and_read_back(client, auth, records, phones):
    """The control: every free text field takes an emoji (escaped as a surrogate pair,
    as Python writes it, or as raw UTF-8, as a browser does), REST and push alike."""
    for table, name, _shape, free in TEXT_FIELDS:
        user, key = records[table]
        if not free or _row(table, key) is None:
            continue
        response = _send(client, "PATCH", f"{API}/{table.replace('_', '-')}/{key}",
                         auth.headers(user), {name: f"REST {EMOJI}"})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()[name] == f"REST {EMOJI}"
        assert _row(table, key)[name] == f"REST {EMOJI}"
        device = phones(user)
        device.pull()  # its edit then follows the REST one: no conflict
        results = phones.push(user, device.put(table, key, {name: f"push {EMOJI}"}),
                              ascii_only=False)
        assert results[0]["status"] == "applied", results
        assert _row(table, key)[name] == f"push {EMOJI}"


def test_a_literal_backslash_u_is_text_like_any_other(client, auth, org):
    """The six characters ``\\u0000`` and ``\\ud83d``, typed, are plain text."""
    typed = "C:\\u0000 and \\ud83d"
    made = customer(client, auth.headers(org.rep1), name=typed)
    assert made["name"] == typed


def test_a_field_name_that_cannot_be_stored_refuses_the_push(client, auth, org, phones):
    """Field names come from the app, not from what a rep types: one no database can
    store makes the push malformed (422, nothing applied), as an unknown shape does."""
    device = phones(org.rep1)
    fresh = _fresh_customer(device)
    response = _send(client, "POST", PUSH, device.headers, {
        "schema_version": 1, "client_id": device.client_id,
        "mutations": [fresh, device.put("customers", new_id(), {"name\ud83d": "x"})]})
    assert assert_error(response, 422)["errors"]["json"] == {
        "mutations": [storable.TEXT_PROBLEM]}
    assert _row("customers", fresh["key"]) is None


def test_unstorable_text_in_any_body_and_query(client, auth, org):
    """Outside the synced tables too: a login, a team, a query string."""
    for path, body in (("auth/login", {"email": "a\ud83d@test", "password": "x"}),
                       ("teams", {"name": "East \x00"})):
        response = _send(client, "POST", f"{API}/{path}", auth.headers(org.admin), body)
        assert set(assert_error(response, 422)["errors"]["json"]) == set(body) - {"password"}
    response = client.get(f"{API}/customers?q=a%00b", headers=auth.headers(org.rep1))
    assert assert_error(response, 422)["errors"]["query"] == {"q": [storable.TEXT_PROBLEM]}


# -- dates ------------------------------------------------------------------------------------

OUT_OF_RANGE = ["0001-01-01T00:00:00+08:00",  # year 0 in UTC
                "9999-12-31T23:59:59-08:00",  # year 10000 in UTC
                "1900-01-01T07:00:00+08:00",  # 1899 in UTC
                "2200-01-01T00:00:00Z", "0001-01-01T00:00:00Z"]
IN_RANGE = ["1900-01-01T00:00:00Z", "2199-12-31T23:59:59Z", "1900-01-01T09:00:00+08:00"]


def test_visit_dates_out_of_range_are_refused(client, auth, records, phones, org):
    rep = auth.headers(org.rep1)
    account = records["customer_id"]
    _user, key = records["visits"]
    before = _row("visits", key)
    device = phones(org.rep1)
    for when in OUT_OF_RANGE:
        body = {"customer_id": account, "type": "customer_visit", "occurred_at": when}
        errors = assert_error(client.post(f"{API}/visits", headers=rep, json=body),
                              422)["errors"]["json"]
        assert set(errors) == {"occurred_at"}, (when, errors)
        response = client.patch(f"{API}/visits/{key}", headers=rep, json={"occurred_at": when})
        assert set(assert_error(response, 422)["errors"]["json"]) == {"occurred_at"}
        first = _fresh_customer(device)
        results = phones.push(org.rep1, first, device.put("visits", new_id(), body),
                              device.put("visits", key, {"occurred_at": when}))
        assert [r["status"] for r in results] == ["applied", "rejected", "rejected"], results
        assert all(r["reason"] == "invalid" and set(r["errors"]) == {"occurred_at"}
                   for r in results[1:]), results
    assert _row("visits", key) == before
    for when in IN_RANGE:
        visit(client, rep, account, occurred_at=when)


@pytest.mark.parametrize("table, name", [("opportunities", "expected_close_date"),
                                         ("tasks", "due_date")])
def test_record_days_out_of_range_are_refused(client, auth, records, phones, org, table, name):
    _user, key = records[table]
    for day in ("0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"):
        response = client.patch(f"{API}/{table}/{key}", headers=auth.headers(org.rep1),
                                json={name: day})
        assert set(assert_error(response, 422)["errors"]["json"]) == {name}
        device = phones(org.rep1)
        results = phones.push(org.rep1, device.put(table, key, {name: day}))
        assert results[0]["reason"] == "invalid" and name in results[0]["errors"]
    for day in ("1900-01-01", "2199-12-31"):
        response = client.patch(f"{API}/{table}/{key}", headers=auth.headers(org.rep1),
                                json={name: day})
        assert response.status_code == 200 and response.get_json()[name] == day


FIGURES = ["funnel", "forecast", "movement", "reps", "meetings"]


@pytest.mark.parametrize("figure", FIGURES)
def test_pipeline_days_out_of_range_are_refused(client, auth, org, figure):
    headers = auth.headers(org.manager)
    for query, name in (("as_of=9999-12-31", "as_of"), ("as_of=0001-01-01", "as_of"),
                        ("from=0001-01-01&to=2025-01-31", "from"),
                        ("from=2025-01-01&to=9999-12-31", "to"),
                        ("month=9999-12", "month"), ("month=0000-01", "month")):
        response = client.get(f"{API}/pipeline/{figure}?{query}", headers=headers)
        assert set(assert_error(response, 422)["errors"]["query"]) == {name}, query
    for query in ("as_of=1900-01-01", "as_of=2199-12-31", "month=2199-12",
                  "from=1900-01-01&to=2199-12-31"):
        response = client.get(f"{API}/pipeline/{figure}?{query}", headers=headers)
        assert response.status_code == 200, (query, response.get_json())


def test_list_filters_and_targets_refuse_days_out_of_range(client, auth, org):
    rep = auth.headers(org.rep1)
    for path, name in (("visits?occurred_from=0001-01-01T00:00:00%2B08:00", "occurred_from"),
                       ("visits?occurred_to=9999-12-31T23:59:59-08:00", "occurred_to"),
                       ("tasks?due_before=9999-12-31", "due_before"),
                       ("targets?month=9999-12", "month")):
        response = client.get(f"{API}/{path}", headers=rep)
        assert set(assert_error(response, 422)["errors"]["query"]) == {name}, path
    response = client.post(f"{API}/targets", headers=auth.headers(org.manager), json={
        "user_id": org.rep1.id, "month": "9999-12", "amount": 100})
    assert set(assert_error(response, 422)["errors"]["json"]) == {"month"}


# -- nesting ----------------------------------------------------------------------------------

def _nested(depth, leaf='"x"'):
    return "[" * depth + leaf + "]" * depth


def _raw(client, method, path, headers, text):
    return client.open(path, method=method, data=text.encode(),
                       headers={**headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("depth", [300, 900, 1000, 1100, 50_000])
def test_deep_json_is_a_clean_refusal(client, auth, records, phones, org, depth):
    """A body or a value nested deeper than the parsers go is 400; shallower, a value
    nested where a text, a list of texts or a dict belongs is that field's 422 (REST)
    or that mutation's invalid (push): never a 500."""
    rep = auth.headers(org.rep1)
    _user, key = records["customers"]
    for name in ("notes", "key_account_criteria"):
        response = _raw(client, "PATCH", f"{API}/customers/{key}", rep,
                        f'{{"{name}": {_nested(depth)}}}')
        assert response.status_code in (400, 422), response.get_json()
        assert_error(response, response.status_code)
    _user, contact_key = records["contacts"]
    response = _raw(client, "PATCH", f"{API}/contacts/{contact_key}", rep,
                    f'{{"roles": {_nested(depth)}}}')
    assert_error(response, response.status_code)
    assert response.status_code in (400, 422)
    device = phones(org.rep1)
    first = _fresh_customer(device)
    deep = device.put("customers", key, {"notes": "@"})
    text = json.dumps({"schema_version": 1, "client_id": device.client_id,
                       "mutations": [first, deep]}).replace('"@"', _nested(depth))
    response = _raw(client, "POST", PUSH, device.headers, text)
    if response.status_code == 200:
        results = response.get_json()["results"]
        assert [r["status"] for r in results] == ["applied", "rejected"], results
        assert results[1]["reason"] == "invalid"
    else:
        assert_error(response, 400)
        device.ids = iter(range(first["id"], 2**53))  # nothing was processed


def test_the_storable_rule_walks_any_depth_without_recursion():
    deep = []
    for _ in range(100_000):
        deep = [deep]
    assert storable.problem(deep) is None
    assert storable.problem([deep, {"k": ["a\x00"]}]) == storable.TEXT_PROBLEM
    assert storable.problem({"a\ud83d": 1}) == storable.TEXT_PROBLEM
    assert storable.problem([2**63]) == storable.NUMBER_PROBLEM
    assert storable.problem([2**63 - 1, -(2**63), True, "😀"]) is None
