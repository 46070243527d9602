"""Push: apply one device's outbox in one transaction (docs/sync-protocol.md, P1-P6)."""

import time
from datetime import UTC, datetime

import sqlalchemy as sa

from . import hlc
from .engine import ChangeSet, Outcome, Rejected
from .statements import bindable_text, insert_into, select_by, update_by

MAX_MUTATIONS = 500


class MutationGap(Exception):
    """The outbox does not continue where the server left off (409 mutation_gap)."""

    def __init__(self, expected_id, message):
        super().__init__(message)
        self.expected_id = expected_id


class ClientMismatch(Exception):
    """The client id is registered to another user."""

    @classmethod
    def check(cls, row, policy):
        """Raise unless the ``sync_clients`` row is ``policy``'s user's."""
        if row.user_id != policy.user_id:
            raise cls("This client id belongs to another user")


def push(session, registry, policy, client_id, mutations, now=time.time):
    """Apply ``mutations`` for ``client_id``; returns the response body.

    The caller commits on success and rolls back on an exception.
    """
    with ChangeSet(session, registry, policy, client_id, now) as changes:  # P1
        conn = changes.conn
        last = _client_last_id(conn, registry, policy, client_id, now)  # P2
        replayed = [m for m in mutations if m["id"] <= last]
        fresh = [m for m in mutations if m["id"] > last]
        _check_contiguous(fresh, last)  # P4
        results = _stored_results(session, registry, client_id, replayed)  # P3
        if fresh:
            _prefetch(changes, policy, fresh)
        answers = []
        for mutation in fresh:  # P5
            changes.mutation_id = mutation["id"]
            outcome = apply_mutation(changes, mutation)
            answers.append({"id": mutation["id"], **outcome.as_dict()})
        results.extend(answers)
        if fresh:  # P6
            conn.execute(insert_into(registry.sync.results), {
                "client_id": client_id, "first_mutation_id": fresh[0]["id"],
                "last_mutation_id": fresh[-1]["id"], "results": answers,
                "processed_at": datetime.fromtimestamp(now(), UTC)})
            last = fresh[-1]["id"]
        conn.execute(update_by(registry.sync.clients, "client_id"), {
            "_key": client_id, "last_mutation_id": last,
            "last_seen_at": datetime.fromtimestamp(now(), UTC)})
    return {"last_mutation_id": last, "results": results}


def apply_mutation(changes, mutation):
    """One mutation to an Outcome; a Rejected becomes a rejected (but processed) result."""
    try:
        stamp = mutation.get("hlc")
        if stamp is not None and not hlc.is_valid(stamp):
            raise Rejected("invalid", "hlc is not a hybrid logical clock timestamp",
                           {"hlc": ["Not <13 digits>-<5 digits>-<node: 1-64 of A-Z a-z 0-9 - _>."]})
        base = device_base(mutation)
        if mutation["op"] == "put":
            return changes.put(mutation["table"], mutation["key"], mutation.get("fields") or {},
                               base, stamp)
        return changes.delete(mutation["table"], mutation["key"], base, stamp)
    except Rejected as rejected:
        return Outcome("rejected", reason=rejected.reason, message=rejected.message,
                       errors=rejected.errors)


def device_base(mutation):
    """The field versions a device saw when it made ``mutation``: ``{field: hlc or null}``.

    A device that sends no base (or null) saw nothing, exactly as with ``{}``: its delete
    keeps every edit it did not make in a conflict, so leaving base out can never destroy
    unseen edits. Only the server's own writes reach the engine with base None ("no
    conflict possible"). HTTP validates the shape first (422); this guards direct callers.
    """
    base = mutation.get("base")
    if base is None:
        return {}
    if not isinstance(base, dict) or not all(
            isinstance(name, str) and (version is None or isinstance(version, str))
            for name, version in base.items()):
        raise Rejected("invalid", "base must map field names to the versions seen (or null)",
                       {"base": ["An object of field name to version string or null."]})
    return base


def _prefetch(changes, policy, mutations):
    """Read the rows the batch touches in one query per table, and, when the policy can,
    its access verdicts for their customers in one query per kind (instead of one
    query each per mutation). Customers created in this batch are left out: they do not
    exist yet, and their verdict must be asked when their children arrive."""
    keys, fields, deleting = {}, {}, set()
    for mutation in mutations:
        if isinstance(mutation.get("key"), str):
            table_name = mutation.get("table")
            keys.setdefault(table_name, set()).add(mutation["key"])
            if mutation.get("op") == "put":
                fields.setdefault(table_name, set()).update(mutation.get("fields") or ())
            else:
                deleting.add(table_name)  # a delete reads its row whole
    rows = changes.prefetch(keys, {name: written for name, written in fields.items()
                                   if name not in deleting})
    warm = getattr(policy, "prefetch_readable", None)
    if warm is None:
        return
    registry = changes.registry
    new_scopes = {key for name, table_keys in keys.items()
                  if name in registry.specs and registry[name].scope_column == "id"
                  for key in table_keys if key not in rows.get(name, {})}
    # One question per kind of scope (tables with the same read rule share the answers).
    scope_key = getattr(policy, "scope_key", lambda table_name: table_name)
    customers = {}
    for mutation in mutations:
        spec = registry.specs.get(mutation.get("table"))
        if spec is None or spec.scope_column is None:
            continue
        row = rows.get(spec.name, {}).get(mutation["key"])
        source = row if row is not None else (mutation.get("fields") or {})
        customer_id = spec.customer_of(mutation["key"], source)
        if _bindable(customer_id) and customer_id not in new_scopes:
            asked = customers.setdefault(scope_key(spec.name), (spec.name, set()))
            asked[1].add(customer_id)
    for table_name, customer_ids in customers.values():
        warm(changes.session, table_name, customer_ids)


def _bindable(value):
    """Text every database can bind. A field's value is read here before its table's
    validator has seen it (which refuses that one mutation): a NUL or a lone surrogate
    in a customer id must not fail the whole push's query."""
    return isinstance(value, str) and bindable_text(value)


def _client_last_id(conn, registry, policy, client_id, now):
    """The last mutation id processed for this client (a new client gets its row; the
    push's end records when it was seen)."""
    clients = registry.sync.clients
    row = conn.execute(select_by(clients, "client_id"), {"_key": client_id}).first()
    if row is None:
        seen = datetime.fromtimestamp(now(), UTC)
        conn.execute(insert_into(clients), {
            "client_id": client_id, "user_id": policy.user_id, "last_mutation_id": 0,
            "created_at": seen, "last_seen_at": seen})
        return 0
    ClientMismatch.check(row, policy)
    return row.last_mutation_id


def _check_contiguous(fresh, last):
    expected = last + 1
    for mutation in fresh:
        if mutation["id"] != expected:
            raise MutationGap(last + 1, f"Mutation ids must continue from {last + 1} without "
                                        f"gaps; got {mutation['id']} where {expected} was due")
        expected += 1


def _stored_results(session, registry, client_id, replayed):
    if not replayed:
        return []
    by_id = stored_results(session, registry, client_id, replayed[0]["id"],
                           replayed[-1]["id"])
    # A result pruned by retention is still known to be processed.
    return [{**by_id.get(m["id"], {"id": m["id"], "status": "applied"}), "replayed": True}
            for m in replayed]


def stored_results(session, registry, client_id, first=1, last=2**63 - 1):
    """``{mutation_id: result}`` of this client's processed mutations first..last, from
    the rows of the pushes that hold them (retention may have pruned some)."""
    stored = registry.sync.results
    rows = session.execute(sa.select(stored.c.results).where(
        stored.c.client_id == client_id, stored.c.last_mutation_id >= first,
        stored.c.first_mutation_id <= last))
    return {result["id"]: result for (results,) in rows for result in results
            if first <= result["id"] <= last}
