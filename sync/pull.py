"""Pull: the changes a user's phone lacks since its cursor (docs/sync-protocol.md, L1-L5)."""

import heapq

import sqlalchemy as sa

from .engine import CHECKSUM_MOD, GLOBAL_SCOPE, format_checksum, wire

DEFAULT_LIMIT = 500
EMPTY = (None, "", [], {})
MAX_LIMIT = 2000


def pull(session, registry, policy, client_id, cursor, limit=DEFAULT_LIMIT):
    """One page of changes after ``cursor`` for ``policy``'s user."""
    sync = registry.sync
    # Read the client's last id before the head: every mutation it counts then has a
    # seq at or below the head, so a phone that drops acknowledged mutations from its
    # outbox on this answer also receives their effects in it.
    last_mutation_id = _last_mutation_id(session, registry, client_id)
    state = session.execute(sa.select(sync.state.c.seq, sync.state.c.pruned_seq)).one()
    cursor = cursor or 0  # L1
    if 0 < cursor < state.pruned_seq:  # L2
        return {"reset": True, "cursor": 0, "more": True, "changes": [],
                "last_mutation_id": last_mutation_id}
    head = state.seq
    sources = [_records(session, spec, policy, cursor, head, limit)
               for spec in registry.specs.values()]
    sources.append(_evictions(session, registry, policy, cursor, head, limit))
    candidates = heapq.merge(*[rows for rows, _full in sources], key=lambda c: c["seq"])
    changes = [change for _, change in zip(range(limit + 1), candidates, strict=False)]
    more = len(changes) > limit or any(full for _rows, full in sources)  # L3
    changes = changes[:limit]
    body = {"changes": changes, "more": more, "last_mutation_id": last_mutation_id}
    if more:
        body["cursor"] = changes[-1]["seq"] if changes else cursor
        if cursor == 0:
            body["total"] = scope_count(session, registry, policy)
        return body
    body["cursor"] = head  # L5
    checksum, count = scope_checksum(session, registry, policy)
    still_head = session.scalar(sa.select(sync.state.c.seq))
    # A write committed while we answered: the sum may include it, so say nothing.
    body["checksum"] = format_checksum(checksum) if still_head == head else None
    body["count"] = count
    if cursor == 0:
        body["total"] = count
    return body


def _records(session, spec, policy, cursor, head, limit):
    table = spec.table
    query = sa.select(table).where(table.c.seq > cursor, table.c.seq <= head)
    if cursor == 0:
        query = query.where(table.c.deleted.is_(False))  # nothing to delete on a fresh phone
    scope = _scope_clause(spec, policy, table)
    if scope is not None:
        query = query.where(scope)
    rows = session.execute(query.order_by(table.c.seq).limit(limit)).all()
    return [_change(spec, row._asdict()) for row in rows], len(rows) == limit


def _scope_clause(spec, policy, table):
    if spec.scope_column is None:
        return None
    return policy.read_filter(spec.name, table.c[spec.scope_column])


def _change(spec, row):
    if row["deleted"]:
        return {"op": "del", "table": spec.name, "id": row["id"], "seq": row["seq"]}
    # Empty fields are left out (a phone reads a missing field as empty): compact JSON.
    data = {name: wire(row[name]) for name in spec.fields if row[name] not in EMPTY}
    if spec.scope_column == "customer_id":
        data["customer_id"] = row["customer_id"]
    return {"op": "put", "table": spec.name, "id": row["id"], "seq": row["seq"],
            "data": data, "versions": row["field_versions"] or {}}


def _evictions(session, registry, policy, cursor, head, limit):
    events = registry.sync.scope_events
    rows = session.execute(sa.select(events.c.seq, events.c.customer_id).where(
        events.c.user_id == policy.user_id, events.c.seq > cursor, events.c.seq <= head)
        .order_by(events.c.seq).limit(limit)).all()
    return ([{"op": "evict", "customer_id": customer_id, "seq": seq}
             for seq, customer_id in rows], len(rows) == limit)


def _last_mutation_id(session, registry, client_id):
    clients = registry.sync.clients
    last = session.scalar(sa.select(clients.c.last_mutation_id)
                          .where(clients.c.client_id == client_id))
    return last or 0


def scope_checksum(session, registry, policy):
    """(checksum, count) of every live record the user may see, from the kept sums."""
    sums = registry.sync.checksums
    total, count = 0, 0
    for spec in registry.specs.values():
        query = sa.select(sa.func.coalesce(sa.func.sum(sums.c.checksum), 0),
                          sa.func.coalesce(sa.func.sum(sums.c.count), 0)).where(
            sums.c.table_name == spec.name)
        if spec.scope_column is None:
            query = query.where(sums.c.customer_id == GLOBAL_SCOPE)
        else:
            scope = policy.read_filter(spec.name, sums.c.customer_id)
            if scope is not None:
                query = query.where(scope)
        part, part_count = session.execute(query).one()
        total = (total + int(part)) % CHECKSUM_MOD
        count += int(part_count)
    return total, count


def scope_count(session, registry, policy):
    return scope_checksum(session, registry, policy)[1]
