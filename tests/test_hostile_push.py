"""A hostile phone: generated pushes of every table, with forged clocks, foreign ids,
deleted and out-of-scope keys and text a database cannot store (issue 19).

Whatever a device sends, the invariants hold:
- no answer is a 5xx;
- nothing outside the pusher's scope changes (another team's account, byte for byte);
- every version the server stores is in the HLC grammar (docs/sync-protocol.md);
- personal data only ever hangs off a live contact of the same customer;
- "not yours" and "does not exist" answer alike: each mutation aimed at another team's
  record is pushed with a twin aimed at nothing (a fresh id, a fresh customer id), and
  the two answers are equal, save the one case no server can hide (a whole new record
  whose random id happens to be taken answers that it is taken).
"""

import json
import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.extensions import db
from server.sync_registry import registry
from tests.sync_helpers import Device, new_id
from tests.test_boundaries import EDITS, NEW, team_b_account  # noqa: F401 (a fixture)

PUSH = "/api/v1/sync/push"
# The grammar of docs/sync-protocol.md, written out again on purpose (a second reading).
HLC = re.compile(r"[0-9]{13}-[0-9]{5}-[A-Za-z0-9_-]{1,64}", re.ASCII)
TAKEN = ("rejected", "invalid", "A record with this id already exists")

UNICODE_DIGITS = "٠١٢٣٤٥٦٧٨٩０１２３４５６７８９०१२३४"
FOREIGN_KINDS = ("foreign", "foreign_deleted")


def _forged_digits(draw_digits, stamp):
    return "".join(UNICODE_DIGITS[int(c)] if c.isdigit() and flip else c
                   for c, flip in zip(stamp, draw_digits, strict=False))


VALID_HLCS = st.builds(lambda ms, counter, node: f"{ms:013d}-{counter:05d}-{node}",
                       st.integers(0, 10**13 - 1), st.integers(0, 99999),
                       st.sampled_from(["hostile", "server", "py-ab12"]))
FORGED_HLCS = st.one_of(
    st.sampled_from(["9999999999999-99999-hostile", "0000000000000-00000-hostile",
                     "1800000000000-100000-six-digits", "1800000000000-0000-four",
                     "+800000000000-00000-sign", " 800000000000-00000-space",
                     "1800000000000-00000-", "1800000000000-00000-" + "n" * 65,
                     "1800000000000-00000-a.b:c"]),
    st.builds(_forged_digits, st.lists(st.booleans(), min_size=19, max_size=19),
              st.just("1800000000000-00001-hostile")),
    st.text(max_size=30))  # (an hlc that is no string is the body's shape: test_fuzz_sync)
# Mostly well-formed, so that most mutations reach the rules they attack.
HLCS = st.integers(0, 3).flatmap(lambda pick: FORGED_HLCS if pick == 0 else VALID_HLCS)

HOSTILE_VALUES = st.one_of(
    st.sampled_from(["a\ud83d", "\udc00b", "nul\x00here", "x" * 20001, "@user", "@fresh",
                     "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"]),
    st.integers(), st.none(),
    st.recursive(st.none(), lambda inner: st.lists(inner, max_size=1), max_leaves=300))
HOSTILE_NAMES = ["customer_id", "owner_id", "notes", "name", "milestone", "occurred_at",
                 "status", "id", "no_such_field"]
CUSTOMERS = ["@customer", "@customer", "@foreign_customer", "@fresh"]


@st.composite
def mutations(draw):
    """One mutation, mostly well formed, with one hostile part or two."""
    table = draw(st.sampled_from(sorted(registry.specs) + ["no_such_table"]))
    spec = registry.specs.get(table)
    kind = draw(st.sampled_from(["own", "foreign", "foreign_deleted", "missing"]))
    op = draw(st.sampled_from(["put", "put", "delete"]))
    fields = {}
    if op == "put":
        fields = dict(draw(st.sampled_from([EDITS.get(table, {}), NEW.get(table, {})])))
        if spec is not None and spec.scope_column == "customer_id":
            fields["customer_id"] = draw(st.sampled_from(CUSTOMERS))
        if draw(st.booleans()):
            fields[draw(st.sampled_from(HOSTILE_NAMES))] = draw(HOSTILE_VALUES)
    seen = st.dictionaries(st.sampled_from(["name", "notes", "city"]), HLCS, max_size=2)
    base = draw(st.one_of(st.none(), st.just({}), seen, seen))
    return {"table": table, "kind": kind, "op": op, "fields": fields, "base": base,
            "hlc": draw(HLCS)}


class HostilePhone:
    """A device that sends whatever it is given (stdlib JSON: lone surrogates travel as
    ``\\ud83d`` escapes, as JavaScript's JSON.stringify sends them)."""

    def __init__(self, client, headers, arena):
        self.client, self.headers, self.arena = client, headers, arena
        self.device = Device(client, headers, "hostile")
        self.next_id = 1

    def resolve(self, value, twin):
        names = {"@customer": self.arena["own_customer"], "@user": self.arena["user"],
                 "@foreign_customer": self.arena["fresh_customer"] if twin
                 else self.arena["foreign_customer"], "@fresh": new_id()}
        return names.get(value, value) if isinstance(value, str) else value

    def existing_key(self, drawn):
        """The drawn kind's record of the drawn table, if the arena has one."""
        keys = {"own": self.arena["own"], "foreign": self.arena["live"],
                "foreign_deleted": self.arena["deleted"]}.get(drawn["kind"], {})
        return keys.get(drawn["table"])

    def aims_abroad(self, drawn):
        return drawn["kind"] in FOREIGN_KINDS and self.existing_key(drawn) is not None

    def key(self, drawn, twin):
        if twin:
            return new_id()
        return self.existing_key(drawn) or new_id()

    def mutation(self, drawn, twin=False):
        body = {"id": self.next_id, "op": drawn["op"], "table": drawn["table"],
                "key": self.key(drawn, twin), "hlc": drawn["hlc"]}
        self.next_id += 1
        if drawn["op"] == "put":
            body["fields"] = {name: self.resolve(value, twin)
                              for name, value in drawn["fields"].items()}
        if drawn["base"] is not None:
            body["base"] = drawn["base"]
        return body

    def push(self, mutations):
        first = self.next_id - len(mutations)
        text = json.dumps({"schema_version": 1, "client_id": self.device.client_id,
                           "mutations": mutations})
        response = self.client.post(PUSH, data=text, headers={
            **self.headers, "Content-Type": "application/json"})
        assert response.status_code < 500, (response.status_code, text[:2000],
                                            response.get_data(as_text=True)[:500])
        if response.status_code != 200:
            self.next_id = first  # refused whole: those ids were not used
            return None
        return response.get_json()["results"]


def account_rows(customer_id):
    """Every row of every synced table that belongs to ``customer_id``, as text."""
    db.session.rollback()
    rows = {}
    for spec in registry.specs.values():
        if spec.scope_column is None:
            continue
        column = spec.table.c[spec.scope_column]
        rows[spec.name] = sorted(tuple(map(str, row)) for row in db.session.execute(
            sa.select(spec.table).where(column == customer_id)))
    db.session.rollback()
    return rows


def stored_versions():
    for spec in registry.specs.values():
        for versions in db.session.scalars(sa.select(spec.table.c.field_versions)):
            yield from (versions or {}).values()


def squatted_personal_data():
    """Personal data rows whose id is not a live contact of the same customer."""
    personal, contacts = registry["contact_personal"].table, registry["contacts"].table
    return db.session.execute(sa.select(personal.c.id).where(
        personal.c.deleted.is_(False), ~sa.exists().where(
            contacts.c.id == personal.c.id, contacts.c.customer_id == personal.c.customer_id,
            contacts.c.deleted.is_(False)))).all()


def _answer(result):
    return tuple(result.get(k) for k in ("status", "reason", "message")), result.get("errors")


@pytest.fixture
def arena(client, auth, org, team_b_account):  # noqa: F811 (the imported fixture)
    rep1 = auth.headers(org.rep1)
    owner = Device(client, rep1, "owner")
    own = {"customers": new_id(), "contacts": new_id()}
    owner.push(owner.put("customers", own["customers"], {"name": "Own Ltd"}),
               owner.put("contacts", own["contacts"], {"customer_id": own["customers"],
                                                       "name": "Own contact"}))
    return {"headers": rep1, "own_customer": own["customers"], "own": own,
            "foreign_customer": team_b_account["customer"], "fresh_customer": new_id(),
            "live": team_b_account["live"], "deleted": team_b_account["deleted"],
            "user": org.rep_b.id}


def run_hostile_pushes(client, arena, batches):
    phone = HostilePhone(client, arena["headers"], arena)
    before = account_rows(arena["foreign_customer"])
    for batch in batches:
        sent, twins = [], []
        for drawn in batch:
            sent.append(phone.mutation(drawn))
            if phone.aims_abroad(drawn):
                twins.append((len(sent) - 1, len(sent)))
                sent.append(phone.mutation(drawn, twin=True))
        results = phone.push(sent)
        if results is None:
            continue
        for foreign, twin in twins:
            mine, theirs = _answer(results[foreign]), _answer(results[twin])
            if theirs[0][0] == "applied":
                assert mine[0] == TAKEN, (sent[foreign], results[foreign])
            else:
                assert mine == theirs, (sent[foreign], results[foreign], results[twin])
    assert account_rows(arena["foreign_customer"]) == before
    bad = [v for v in stored_versions() if not HLC.fullmatch(str(v))]
    assert not bad, bad[:5]
    assert not squatted_personal_data()


BATCHES = st.lists(st.lists(mutations(), min_size=1, max_size=4), min_size=1, max_size=3)
FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
            HealthCheck.data_too_large]


@settings(max_examples=25, deadline=None, suppress_health_check=FIXTURES)
@given(batches=BATCHES)
def test_a_hostile_phone_cannot_break_a_boundary(client, arena, batches):
    run_hostile_pushes(client, arena, batches)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURES)
@given(batches=BATCHES)
def test_a_hostile_phone_cannot_break_a_boundary_long(client, arena, batches):
    run_hostile_pushes(client, arena, batches)

