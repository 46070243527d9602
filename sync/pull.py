"""Pull: the changes a user's phone lacks since its cursor (docs/sync-protocol.md, L1-L5)."""

import heapq
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from .engine import (
    CHECKSUM_MOD,
    GLOBAL_SCOPE,
    checksum_bucket,
    dialect_insert,
    format_checksum,
    wire,
)
from .push import ClientMismatch
from .statements import built_once, kept

DEFAULT_LIMIT = 500
EMPTY = (None, "", [], {})
MAX_LIMIT = 2000
_HALF_BITS = 24  # checksum buckets are summed as two halves of 24 bits
assert CHECKSUM_MOD == 1 << (2 * _HALF_BITS)


def pull(session, registry, policy, client_id, cursor, limit=DEFAULT_LIMIT, verify=True,
         now=time.time):
    """One page of changes after ``cursor`` for ``policy``'s user.

    ``verify``: the last page carries the scope ``checksum`` and ``count`` (a sum over
    every customer in scope, so O(customers in scope)). Without it they are ``None`` and
    nothing of the kind is computed: a routine pull costs O(changes) (L5).

    A pull from cursor 0 records where the phone's download began (``sync_clients``),
    and a phone the server has no row for gets one, so a later restart (L2) reaches
    it: the caller commits.
    """
    sync = registry.sync
    # Read the client's row before the head: every mutation it counts then has a seq at
    # or below the head, so a phone that drops acknowledged mutations from its outbox
    # on this answer also receives their effects in it.
    client = _client_state(session, registry, policy, client_id)
    last_mutation_id = client.last_mutation_id
    state = session.execute(_read_state(sync.state)).one()
    cursor = cursor or 0  # L1
    if _must_restart(cursor, client, state.pruned_seq):  # L2
        return {"reset": True, "cursor": 0, "more": True, "changes": [],
                "last_mutation_id": last_mutation_id}
    head = state.seq
    if cursor == 0:
        _download_begins(session, registry, policy, client_id, head, now)
    elif client.user_id is None:
        # A phone that only ever pulled before pulls recorded phones (migration 0005).
        _record_phone(session, registry, policy, client_id, now)
    conn = session.connection()  # Core statements: no ORM layer for plain rows
    # After a first sync few rows lie past the cursor: each row's customer is looked up
    # (the policy's row_filter) instead of listing every customer in scope per statement.
    by_row = cursor > 0 and hasattr(policy, "row_filter")
    by_seq = cursor > 0 and conn.dialect.name == "sqlite" and not by_row
    page, params = _page_statements(registry, policy, cursor == 0, by_seq, by_row)
    params.update(page_cursor=cursor, page_head=head, page_limit=limit + 1,
                  page_user=policy.user_id)
    # L3 in two steps: the seqs alone find where the page ends (the limit-th smallest
    # seq of all tables), then only the rows up to there are read and turned into JSON.
    seqs, firsts = [], []
    for _spec, find, _read in page.tables:
        found = list(conn.scalars(find, params))
        seqs.extend(found)
        firsts.append(found[0] if found else None)
    evicted = list(conn.scalars(page.find_evictions, params))
    seqs.extend(evicted)
    more = len(seqs) > limit
    end = heapq.nsmallest(limit, seqs)[-1] if more else head
    params["page_end"] = end
    # A table with no seq up to the page's end has nothing to read (most tables, in a
    # routine pull): no row can enter (cursor, head] later, new seqs lie above the
    # head (P1).
    pages = [_records(conn, spec, read, params)
             for (spec, _find, read), first in zip(page.tables, firsts, strict=True)
             if first is not None and first <= end]
    if evicted and evicted[0] <= end:
        pages.append(_evictions(conn, page.read_evictions, params))
    changes = list(heapq.merge(*pages, key=_seq))
    body = {"changes": changes, "more": more, "last_mutation_id": last_mutation_id}
    if more:
        body["cursor"] = end
        if cursor == 0:
            body["total"] = scope_count(session, registry, policy)
        return body
    body["cursor"] = head  # L5
    if not verify:
        body["checksum"] = body["count"] = None
        if cursor == 0:
            body["total"] = scope_count(session, registry, policy)
        return body
    checksum, count = scope_checksum(session, registry, policy)
    still_head = session.execute(_read_state(sync.state)).one().seq
    # A write committed while we answered: the sum may include it, so say nothing.
    body["checksum"] = format_checksum(checksum) if still_head == head else None
    body["count"] = count
    if cursor == 0:
        body["total"] = count
    return body


def _seq(change):
    return change["seq"]


@dataclass(frozen=True)
class _Page:
    """The statements of a page: per synced table (spec, find its seqs, read its rows),
    and the same two for scope events. Bind parameters: ``page_cursor``, ``page_head``,
    ``page_limit``, ``page_end``, ``page_user`` and the policy's own (``sql_template``)."""

    tables: list
    find_evictions: sa.Select
    read_evictions: sa.Select


def _page_statements(registry, policy, fresh, by_seq, by_row):
    """(page statements, the policy's parameters). A policy with ``sql_template`` gets
    them built once per kind of user: in a routine pull, building a dozen statements
    with their scope filters cost more than running them."""
    template = getattr(policy, "sql_template", None)
    if template is None:
        return _build_page(registry, policy, fresh, by_seq, by_row), {}
    kind, policy, params = template()
    tables = tuple(spec.table for spec in registry.specs.values())
    page = kept(("pull page", tables, kind, fresh, by_seq, by_row),
                lambda: _build_page(registry, policy, fresh, by_seq, by_row))
    return page, params


def _build_page(registry, policy, fresh, by_seq, by_row):
    tables = []
    for spec in registry.specs.values():
        table = spec.table
        where = _scoped(registry, spec, policy, fresh, by_seq, by_row)
        find = sa.select(table.c.seq).where(*where).order_by(table.c.seq).limit(
            sa.bindparam("page_limit"))
        read = sa.select(table).where(*where, table.c.seq <= sa.bindparam("page_end")) \
            .order_by(table.c.seq)
        tables.append((spec, find, read))
    events = registry.sync.scope_events
    mine = [events.c.user_id == sa.bindparam("page_user"),
            events.c.seq > sa.bindparam("page_cursor")]
    find_evictions = sa.select(events.c.seq).where(
        *mine, events.c.seq <= sa.bindparam("page_head")).order_by(events.c.seq).limit(
        sa.bindparam("page_limit"))
    read_evictions = sa.select(events.c.seq, events.c.customer_id, events.c.tables).where(
        *mine, events.c.seq <= sa.bindparam("page_end")).order_by(events.c.seq)
    return _Page(tables, find_evictions, read_evictions)


def _scoped(registry, spec, policy, fresh, by_seq=False, by_row=False):
    """The where clauses of the table's changes in (page_cursor, page_head] the user
    may see.

    ``by_row``: after a first sync few rows lie past the cursor; the policy's
    ``row_filter`` (optional: an EXISTS per row, by primary key) checks just those, where
    ``read_filter``'s ``customer_id IN (every customer in scope)`` builds that list in
    each statement that finds a row: O(customers in scope), ~100 ms at 50,000 customers.

    ``by_seq`` (a policy without ``row_filter``): SQLite's planner would walk every
    record of every customer in scope through the customer index to find the few rows
    (seconds for a rep with thousands of customers). Comparing ``customer_id || ''``
    instead leaves it the seq index. PostgreSQL plans this well by itself.
    """
    table = spec.table
    where = [table.c.seq > sa.bindparam("page_cursor"), table.c.seq <= sa.bindparam("page_head")]
    if fresh:
        where.append(table.c.deleted.is_(False))  # nothing to delete on a fresh phone
    scope = scope_clause(registry, spec, policy, table, unindexed=by_seq, by_row=by_row)
    if scope is not None:
        where.append(scope)
    return where


def _records(conn, spec, statement, params):
    convert = _converter(spec)
    return [convert(row) for row in conn.execute(statement, params)]


def _evictions(conn, statement, params):
    """The user's scope events as ``evict`` changes; one that names ``tables`` drops only
    the customer's records of those tables and the conflicts about them."""
    changes = []
    for seq, customer_id, tables in conn.execute(statement, params):
        change = {"op": "evict", "customer_id": customer_id, "seq": seq}
        if tables:
            change["tables"] = tables.split(",")
        changes.append(change)
    return changes


def scope_clause(registry, spec, policy, table, unindexed=False, by_row=False):
    """SQL limiting ``table`` (a synced table of ``spec``) to what the user may see, or
    None for everything. A record about another record (a conflict) is seen as that
    record is: personal data's conflicts only by those who may see personal data.
    ``by_row``: the policy's ``row_filter`` (same rule, checked per row) for statements
    that read few rows."""
    if spec.scope_column is None:
        return None
    column = table.c[spec.scope_column]
    if unindexed:
        column = column.concat("")
    read_filter = policy.row_filter if by_row else policy.read_filter
    if spec.about_column is None:
        return read_filter(spec.name, column)
    about = table.c[spec.about_column]
    return sa.or_(*(_about_clause(about == other.name, other, read_filter, column)
                    for other in registry.specs.values()))


def _about_clause(is_about, other, read_filter, column):
    scope = None if other.scope_column is None else read_filter(other.name, column)
    return is_about if scope is None else sa.and_(is_about, scope)


_CONVERTERS = {}


def _converter(spec):
    """A function from a row of ``spec.table`` to its change, built once per table: it
    knows which columns need ``wire`` (dates, money) and which travel as they are."""
    convert = _CONVERTERS.get(spec.table)
    if convert is not None:
        return convert
    columns = list(spec.table.columns.keys())
    position = {name: i for i, name in enumerate(columns)}
    plain, wired = [], []
    for name in spec.fields:
        python_type = None
        try:
            python_type = spec.table.c[name].type.python_type
        except NotImplementedError:
            pass
        # ``object``: a decorated type that does not say (the UTC datetimes): wired,
        # so a pull sends ISO 8601 as REST does, never the JSON encoder's HTTP date.
        needs_wire = python_type in (None, object, Decimal, datetime, date) or \
            isinstance(spec.table.c[name].type, sa.Numeric)
        (wired if needs_wire else plain).append((name, position[name]))
    i_id, i_seq = position["id"], position["seq"]
    i_deleted, i_versions = position["deleted"], position["field_versions"]
    i_customer = position.get("customer_id") if spec.scope_column == "customer_id" else None
    table_name = spec.name

    def convert(row):
        if row[i_deleted]:
            return {"op": "del", "table": table_name, "id": row[i_id], "seq": row[i_seq]}
        # Empty fields are left out (a phone reads a missing field as empty): compact JSON.
        data = {}
        for name, i in plain:
            value = row[i]
            if value is not None and value != "" and value != [] and value != {}:
                data[name] = value
        for name, i in wired:
            value = row[i]
            if value not in EMPTY:
                data[name] = wire(value)
        if i_customer is not None:
            data["customer_id"] = row[i_customer]
        return {"op": "put", "table": table_name, "id": row[i_id], "seq": row[i_seq],
                "data": data, "versions": row[i_versions] or {}}

    _CONVERTERS[spec.table] = convert
    return convert


@dataclass(frozen=True)
class _Client:
    """What the pull needs of a phone's ``sync_clients`` row (blank for a new phone)."""

    user_id: str | None = None
    last_mutation_id: int = 0
    download_from: int | None = None  # head when its latest download from 0 began
    restart_below: int = 0


def _client_state(session, registry, policy, client_id):
    """The phone's ``sync_clients`` row (or a new phone's blank one); a client id
    registered to another user is refused, as on push."""
    row = session.execute(_read_client(registry.sync.clients), {"_key": client_id}).first()
    if row is None:
        return _Client()
    ClientMismatch.check(row, policy)
    return _Client(**row._mapping)


@built_once
def _read_client(clients):
    return sa.select(clients.c.user_id, clients.c.last_mutation_id, clients.c.download_from,
                     clients.c.restart_below).where(clients.c.client_id == sa.bindparam("_key"))


@built_once
def _read_state(state):
    return sa.select(state.c.seq, state.c.pruned_seq)


def _must_restart(cursor, client, pruned_seq):
    """L2: a cursor below the pruned seq (tombstones it may lack are gone) or below the
    user's restart point (everything they see changed) starts again from 0, unless
    the phone's current download from 0 began after that point: it never held what
    was pruned or seen before."""
    threshold = max(pruned_seq, client.restart_below)
    began = client.download_from
    return 0 < cursor < threshold and (began is None or began < threshold)


def _download_begins(session, registry, policy, client_id, head, now):
    """Remember where this download from 0 began (a new phone gets its row now; two
    first pulls at once must not collide, hence the upsert)."""
    insert, seen = _new_phone(session, registry, policy, client_id, now, download_from=head)
    clients = registry.sync.clients
    session.execute(insert.on_conflict_do_update(
        index_elements=[clients.c.client_id], set_={"download_from": head,
                                                    "last_seen_at": seen},
        where=clients.c.user_id == policy.user_id))


def _record_phone(session, registry, policy, client_id, now):
    insert, _seen = _new_phone(session, registry, policy, client_id, now)
    session.execute(insert.on_conflict_do_nothing(
        index_elements=[registry.sync.clients.c.client_id]))


def _new_phone(session, registry, policy, client_id, now, download_from=None):
    """The INSERT of a phone's first ``sync_clients`` row, and the time it was seen."""
    seen = datetime.fromtimestamp(now(), UTC)
    insert = dialect_insert(registry.sync.clients, session.connection()).values(
        client_id=client_id, user_id=policy.user_id, last_mutation_id=0, created_at=seen,
        last_seen_at=seen, download_from=download_from)
    return insert, seen


def scope_checksum(session, registry, policy):
    """(checksum, count) of every live record the user may see, from the kept sums.

    Buckets that share a scope (most tables: the user's customers) are summed in one
    query, so the cost is a few index passes over the customers in scope.
    """
    sums = registry.sync.checksums
    # Each bucket is below 2^48: summing 2^16 of them could pass 2^63, where SQLite's
    # sum() fails ("integer overflow"). The high and low 24 bits are summed apart.
    high = sums.c.checksum // (1 << _HALF_BITS)  # integer division: buckets are >= 0
    low = sums.c.checksum % (1 << _HALF_BITS)
    total, count = 0, 0
    for clause, buckets in _buckets_by_scope(registry, policy, sums.c.customer_id):
        query = sa.select(*(sa.func.coalesce(sa.func.sum(column), 0)
                            for column in (high, low, sums.c.count))).where(
            sums.c.table_name.in_(buckets))
        if clause is not None:
            query = query.where(clause)
        part_high, part_low, part_count = session.execute(query).one()
        total = (total + (int(part_high) << _HALF_BITS) + int(part_low)) % CHECKSUM_MOD
        count += int(part_count)
    return total, count


def _buckets_by_scope(registry, policy, customer_column):
    """[(scope clause or None, [bucket, ...])], one entry per distinct scope."""
    groups = {}
    for bucket, seen_as in _buckets(registry):
        if seen_as.scope_column is None:
            clause = customer_column == GLOBAL_SCOPE
        else:
            clause = policy.read_filter(seen_as.name, customer_column)
        key = _scope_key(policy, seen_as, clause)
        groups.setdefault(key, (clause, []))[1].append(bucket)
    return list(groups.values())


def _scope_key(policy, spec, clause):
    """Which scope a table's filter is: the policy may say (cheap), else the SQL says."""
    if clause is None or spec.scope_column is None:
        return None if clause is None else "global"
    named = getattr(policy, "scope_key", None)
    if named is not None:
        return named(spec.name)
    return str(clause.compile(compile_kwargs={"literal_binds": True}))


def _buckets(registry):
    """(checksum bucket, the spec whose scope it follows) for every bucket there is."""
    for spec in registry.specs.values():
        if spec.about_column is None:
            yield spec.name, spec
        else:
            for other in registry.specs.values():
                yield checksum_bucket(spec, other.name), other


def scope_count(session, registry, policy):
    return scope_checksum(session, registry, policy)[1]
