"""The sync engine: push (apply a device's outbox) and pull (what changed since a cursor).

Plain Python over SQLAlchemy Core. The application supplies the synced tables
(``TableSpec``) and an access policy; the engine supplies the protocol. Step numbers
(P1..P6, L1..L5) refer to docs/sync-protocol.md.
"""

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite

from . import hlc as hlcs
from .statements import among, built_once, select_by
from .tables import SyncTables
from .writes import WriteQueue, execute_many, insert_rows, recordset_rows

SCHEMA_VERSION = 1
CHECKSUM_MOD = 1 << 48
GLOBAL_SCOPE = ""  # sync_checksums key of records that belong to no customer
TEXT_MERGE_MARK = "\n\n——— 另一版本 / other version ———\n"


class Rejected(Exception):
    """A mutation that can never succeed: it is marked processed with this reason."""

    def __init__(self, reason, message, errors=None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.errors = errors

    @classmethod
    def missing(cls):
        """The one answer for a record that does not exist and for one the user may not
        see: the same reason and words, so no answer tells them apart."""
        return cls("not_found", "No such record")


class Policy(Protocol):
    """What the engine needs to know about the user it acts for.

    Optional, used when present: ``row_filter`` (the read rule checked row by row, for
    statements that read few rows), ``prefetch_readable`` (a push's verdicts in one
    query), ``scope_key`` (tables that share a read rule) and ``sql_template`` (the
    rule with the user's values as bind parameters, so a pull's statements are built
    once per kind of user); ``server/access.py`` has them all.
    """

    user_id: str

    def read_filter(self, table_name: str, column: sa.ColumnElement) -> Any: ...

    def can_read(self, session, table_name, customer_id) -> bool: ...

    def check_write(self, session, table_name, customer_id, before, values, op) -> None: ...


@dataclass(frozen=True)
class TableSpec:
    """A synced table as the engine sees it."""

    name: str
    table: sa.Table
    fields: tuple[str, ...]  # every field that syncs (besides id)
    writable: frozenset[str]  # fields a device may write
    validate: Callable[[dict, bool], dict]  # (fields, creating) -> clean values or Rejected
    text_merge: frozenset[str] = frozenset()
    scope_column: str | None = "customer_id"  # "id" for customers, None for global
    # For records about another synced table's record (conflicts): the column naming that
    # table. Such a record is seen, and checksummed, as the record it is about, so a
    # conflict over personal data reaches only those who may see personal data.
    about_column: str | None = None
    creatable: bool = True  # False: devices cannot create these (the engine does)
    # Fields a new record must name: a put without them to a record the writer does not
    # see is an edit of a missing record (not_found), never a create's field errors.
    required: frozenset[str] = frozenset()
    deletable: bool = True  # False: never deleted by a writer (only with its customer)
    on_create: Callable[[Any, dict], dict] | None = None  # (policy, values) -> defaults
    cascade_from_customer: bool = True  # tombstoned when its customer is deleted
    # A record that shares its id with a record of this other table and means nothing
    # without it (a contact's personal data): tombstoned when that record is.
    deleted_with: str | None = None
    # Domain rules that need the database, called as (changeset, key, row before or None
    # on create, values). ``before_write`` may raise Rejected (e.g. a stale promotion
    # request) and may add server-computed fields to ``values`` (they are written and
    # versioned with the rest); ``after_write`` may write more through the changeset
    # (e.g. an approved promotion moves the opportunity, a reassignment evicts).
    before_write: Callable[[Any, str, dict | None, dict], None] | None = None
    after_write: Callable[[Any, str, dict | None, dict], None] | None = None
    sensitive: bool = False  # audit trail keeps field names only
    # The columns of a row before a write that the policy and hooks read besides the
    # written fields; None: any (the engine then reads rows whole).
    row_reads: frozenset[str] | None = frozenset()

    def customer_of(self, key, row_or_values):
        if self.scope_column is None:
            return None
        if self.scope_column == "id":
            return key
        return row_or_values.get(self.scope_column)


@dataclass
class Registry:
    specs: dict[str, TableSpec]
    sync: SyncTables

    def __getitem__(self, name):
        return self.specs[name]


def wire(value):
    """A column value as it travels in JSON (and is compared for equality)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


@lru_cache(maxsize=4096)
def record_hash(table_name, key, seq):
    """Cached: a record edited twice in one push adds the hash of its first new seq and
    then takes it away again."""
    digest = hashlib.sha256(f"{table_name}/{key}/{seq}".encode()).hexdigest()
    return int(digest[:12], 16)


def format_checksum(total):
    return f"{total % CHECKSUM_MOD:012x}"


@dataclass
class Outcome:
    status: str  # applied | conflict | rejected
    seq: int | None = None
    conflicts: list[str] = field(default_factory=list)
    reason: str | None = None
    message: str | None = None
    errors: Any = None

    def as_dict(self):
        body = {"status": self.status}
        for name in ("seq", "reason", "message", "errors"):
            if getattr(self, name) is not None:
                body[name] = getattr(self, name)
        if self.conflicts:
            body["conflicts"] = self.conflicts
        return body


class ChangeSet:
    """All writes of one transaction: hands out seqs, keeps checksums and the audit trail.

    Use as a context manager around writes; ``finish`` runs on a clean exit. The caller
    owns the transaction (commit or rollback).
    """

    def __init__(self, session, registry, policy, client_id=None, now=time.time):
        self.session = session
        self.conn = None  # the session's connection: Core statements skip the ORM layer
        self.registry = registry
        self.policy = policy
        self.client_id = client_id
        self.now = now
        self.clock = hlcs.Clock("server", now)
        self.mutation_id = None
        self._time = None  # the transaction's time, taken at its first write
        self._next = None
        self._checksum_delta = {}
        self._audit_rows = []  # written in one statement by finish()
        self._writes = WriteQueue()  # record writes, sent before any read (sync/writes.py)
        self._head = None
        # Rows this transaction has read or written, by (table, key); None = no such row.
        # Safe to keep: every writer holds the sync lock (P1) until it commits, so only
        # this ChangeSet changes synced rows meanwhile, and it keeps the cache up to date.
        self._rows = {}

    # -- P1: the lock ----------------------------------------------------------------
    def __enter__(self):
        self.conn = self.session.connection()
        # An UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before
        # any seq is handed out, so seqs become visible in the order they were issued;
        # it returns the head as of the lock (SQLite 3.35+ and PostgreSQL say RETURNING).
        self._head = self.conn.scalar(_lock_state(self.registry.sync.state))
        if self._head is None:
            raise RuntimeError("sync_state is not initialised: run the migrations")
        self._next = self._head
        # Whatever reads the database during this transaction (the engine, the access
        # policy, a domain hook, an ORM query on the same session) must see the writes
        # made so far: the first statement of any kind sends the queued ones first.
        event.listen(self.conn, "before_execute", self._before_execute)
        return self

    def __exit__(self, exc_type, *_):
        try:
            if exc_type is None:
                self.finish()
        finally:
            event.remove(self.conn, "before_execute", self._before_execute)
            self._writes.clear()  # on an error the caller rolls back: nothing to send
        return False

    def _before_execute(self, *_args):
        if self._writes:
            self._writes.send(self.conn)

    def next_seq(self):
        self._next += 1
        return self._next

    def finish(self):
        """Send every queued write, the new seq head, checksums and audit trail."""
        sync = self.registry.sync
        self._writes.send(self.conn)
        if self._next != self._head:
            self.conn.execute(_set_head(sync.state), {"head": self._next})
        self._write_checksums()
        if self._audit_rows:
            insert_rows(self.conn, sync.change_log, self._audit_rows)
            self._audit_rows = []
        self._head = self._next

    def _write_checksums(self):
        """Add the collected deltas to ``sync_checksums`` in one upsert (the database
        adds each delta to its bucket, or starts the bucket)."""
        deltas, self._checksum_delta = self._checksum_delta, {}
        if not deltas:
            return
        rows = [{"customer_id": customer, "table_name": table_name,
                 "checksum": delta % CHECKSUM_MOD, "count": count}
                for (customer, table_name), (delta, count) in sorted(deltas.items())]
        sums = self.registry.sync.checksums
        if self.conn.dialect.name == "postgresql" and len(rows) > 1:
            self.conn.execute(_checksum_upsert_recordset(sums), {"rows": rows})
        else:
            execute_many(self.conn, _checksum_upsert(sums, self.conn.dialect.name), rows)

    def _track(self, spec, key, customer_id, old_seq, new_seq, about=None):
        """Keep the additive checksum: remove the old (table, id, seq), add the new."""
        bucket = (customer_id or GLOBAL_SCOPE, checksum_bucket(spec, about))
        delta, count = self._checksum_delta.get(bucket, (0, 0))
        if old_seq is not None:
            delta -= record_hash(spec.name, key, old_seq)
            count -= 1
        if new_seq is not None:
            delta += record_hash(spec.name, key, new_seq)
            count += 1
        self._checksum_delta[bucket] = (delta, count)

    # -- helpers ---------------------------------------------------------------------
    def _now(self):
        """The transaction's time: every row it writes and audits carries the same."""
        if self._time is None:
            self._time = datetime.fromtimestamp(self.now(), UTC)
        return self._time

    def _load(self, spec, key, fields=None):
        """The row (a copy) or None. ``fields``: the fields the caller writes, None for
        a caller that reads every column. A row the push's prefetch read in part (the
        engine's columns and the batch's fields) is read whole when it lacks some."""
        cached = self._rows.get((spec.name, key), _MISSING)
        if cached is None:
            return None
        if cached is _MISSING or (len(cached) < len(spec.table.c) if fields is None
                                  else not cached.keys() >= fields):
            row = self.conn.execute(select_by(spec.table, "id"), {"_key": key}).first()
            cached = self._rows[spec.name, key] = None if row is None else row._asdict()
        return None if cached is None else dict(cached)

    def prefetch(self, keys_by_table, fields_by_table=None):
        """Read every row a batch will touch, one SELECT per table (per 500 keys), so
        ``put``/``delete`` need not read them one by one. Returns ``{table: {key: row}}``
        of the rows found (unknown tables are left for ``put`` to reject).

        ``fields_by_table``: the fields the batch writes to each table it only puts to.
        Those rows are read in part: what ``put`` compares and the engine keeps, not a
        wide record's every text (reading and converting them cost more than the rest)."""
        fields_by_table = fields_by_table or {}
        found = {}
        for table_name, keys in keys_by_table.items():
            spec = self.registry.specs.get(table_name)
            if spec is None:
                continue
            columns = _row_columns(spec, fields_by_table.get(table_name))
            todo = sorted({key for key in keys if (table_name, key) not in self._rows})
            for start in range(0, len(todo), 500):
                chunk = todo[start:start + 500]
                rows = self.conn.execute(
                    _select_by_keys(spec.table, columns, self.conn.dialect.name),
                    {"_keys": chunk}).all()
                for row in rows:
                    self._rows[table_name, row.id] = row._asdict()
                for key in chunk:
                    self._rows.setdefault((table_name, key), None)
            found[table_name] = {key: self._rows[table_name, key] for key in keys
                                 if self._rows.get((table_name, key)) is not None}
        return found

    def forget_rows(self):
        """Drop the row cache (after writes the engine did not make itself)."""
        self._rows.clear()

    def _call_hook(self, hook, key, row, values):
        before = self._next
        hook(self, key, row, values)
        if self._next != before:
            self._rows.clear()  # the hook wrote more records: read them afresh

    @staticmethod
    def _later_version(stamp, current):
        """``stamp`` if it orders after ``current``, else just after ``current`` but still
        naming the writer's device (so the device recognises its own write); past
        counter 99999 that is the next millisecond, never a sixth digit. A ``current``
        that is no HLC orders before any stamp (see _seen_by_writer): it is replaced."""
        if current is None or not hlcs.is_valid(current) or stamp > current:
            return stamp
        return str(hlcs.parse(current).after(hlcs.parse(stamp).node))

    def _seen_by_writer(self, base, name, version):
        """Did the writer know the field's current value when it made its edit?

        Either it says so (its base is the current version), or the current version is
        its own earlier write, still in its outbox: a device always knows its own writes.

        A version that is no HLC (an older server stored a six-digit counter, or took a
        device's non-ASCII digits) can be ordered against nothing and, compared as a
        string, would win for ever: it counts as seen, so the write replaces it with a
        valid version (the repair), and it is logged.
        """
        if version is not None and not hlcs.is_valid(version):
            _warn_not_an_hlc(self._rows, name, version, self.client_id, self.mutation_id)
            return True
        if base is None or base.get(name) == version:
            return True
        return version is not None and hlcs.parse(version).node == self.client_id

    def _audit(self, spec, key, customer_id, op, changes, seq):
        if spec.sensitive:
            changes = sorted(changes)
        self._audit_rows.append(dict(
            seq=seq, table_name=spec.name, record_id=key, customer_id=customer_id, op=op,
            changes=changes, user_id=self.policy.user_id, client_id=self.client_id,
            mutation_id=self.mutation_id, at=self._now()))

    def _stamp(self, stamp):
        """The HLC a write is ordered by: the device's, clamped to our clock, or ours."""
        if stamp is None:
            return self.clock.tick()
        return hlcs.clamp(stamp, self.clock.wall_ms())

    # -- P5: put -----------------------------------------------------------------------
    def put(self, table_name, key, fields, base=None, stamp=None, authoritative=False):
        """Create or patch a record; returns an Outcome. Raises Rejected on refusal.

        ``base`` maps each field to the version the writer last saw; ``None`` (the
        server's own writes) means "the current version": no conflict possible.
        ``authoritative`` lets the server write fields devices may not.
        """
        spec = self._spec(table_name)
        stamp = self._stamp(stamp)
        if not authoritative:
            forbidden = fields.keys() - spec.writable - {"id"}
            if forbidden:
                _refuse_fields(spec, sorted(forbidden))
        row = self._load(spec, key, fields.keys())
        if row is None or not self._may_read(spec, key, row):
            if not authoritative and spec.required - fields.keys():
                raise Rejected.missing()  # an edit (not a whole new record) of nothing
            if row is not None:
                self._refuse_unseen(spec, key, fields, authoritative)
        values = self._validated(spec, fields, row is None, authoritative)
        if row is None:
            return self._create(spec, key, values, stamp)
        if row["deleted"]:
            self._refuse_deleted(spec, key, row, values)
        return self._update(spec, key, row, values, base, stamp)

    def _may_read(self, spec, key, row):
        """Access comes before every other check: may this user see the record? (A
        record about another, a conflict, is seen as the record it is about.)"""
        seen_as = row[spec.about_column] if spec.about_column else spec.name
        return self.policy.can_read(self.session, seen_as, spec.customer_of(key, row))

    def _refuse_unseen(self, spec, key, fields, authoritative):
        """Answer for a record the writer may not see exactly as for one that does not
        exist: the checks a create of ``key`` would meet, in the same order, and the
        same words. Only a create that would pass learns the id is taken (as REST's
        409 does): a random UUID is no oracle."""
        values = self._validated(spec, fields, True, authoritative)
        self._creation_checks(spec, key, values)
        raise Rejected("invalid", "A record with this id already exists",
                       {"id": ["Taken: choose another id."]})

    def _refuse_deleted(self, spec, key, row, values):
        """An edit of a deleted record, by someone who may write it: refused, and its
        (validated) values kept in a delete conflict, so nothing typed is lost."""
        customer_id = spec.customer_of(key, row)
        self.policy.check_write(self.session, spec.name, customer_id, row, values, "update")
        conflict = self._conflict(spec, key, row, "delete", {
            name: {"lost": wire(value), "kept": None} for name, value in values.items()},
            lost_client=self.client_id, lost_by=self.policy.user_id,
            record=self._last_values(spec, key))
        raise Rejected("deleted", "The record was deleted; your edit is kept in a conflict "
                       f"record ({conflict})")

    @staticmethod
    def _validated(spec, fields, creating, authoritative):
        """Device-writable fields through the table's validator; with ``authoritative``
        the server's own fields (milestone, status, ...) are trusted as given."""
        if not authoritative:
            return spec.validate(dict(fields), creating)  # a copy: it drops "id"
        owned = {name: value for name, value in fields.items()
                 if name not in spec.writable and name in spec.fields}
        writable = {name: value for name, value in fields.items() if name not in owned}
        return {**spec.validate(writable, creating), **owned}

    def _spec(self, table_name):
        try:
            return self.registry[table_name]
        except KeyError:
            raise Rejected("unknown_table", f"No synced table named {table_name!r}") from None

    def _creation_checks(self, spec, key, values):
        """What a new record must pass before any hook: returns its values with the
        table's defaults, and its customer."""
        if not spec.creatable:
            raise Rejected("forbidden", f"{spec.name} records are made by the server only")
        if spec.on_create is not None:
            values = {**spec.on_create(self.policy, values), **values}
        customer_id = spec.customer_of(key, values)
        self.policy.check_write(self.session, spec.name, customer_id, None, values, "create")
        self._refuse_under_deleted_customer(spec, customer_id)
        self._refuse_without_companion(spec, key, customer_id)
        return values, customer_id

    def _create(self, spec, key, values, stamp):
        values, customer_id = self._creation_checks(spec, key, values)
        if spec.before_write is not None:
            self._call_hook(spec.before_write, key, None, values)
        seq = self.next_seq()
        now = self._now()
        self._writes.insert(spec, key, dict(
            seq=seq, deleted=False, field_versions={name: stamp for name in values},
            created_at=now, updated_at=now, created_by=self.policy.user_id,
            updated_by=self.policy.user_id, **values))
        self._rows.pop((spec.name, key), None)  # defaults filled by the database: re-read
        self._track(spec, key, customer_id, None, seq)
        self._audit(spec, key, customer_id, "create", {k: wire(v) for k, v in values.items()},
                    seq)
        if spec.after_write is not None:
            self._call_hook(spec.after_write, key, None, values)
        return Outcome("applied", seq)

    def _refuse_under_deleted_customer(self, spec, customer_id):
        """A record made for a deleted account would be an orphan no list shows (a
        re-created record, a phone that missed the delete): refused, as REST's 404 is."""
        customers = self.registry.specs.get("customers")
        if customers is None or spec is customers or customer_id is None:
            return
        customer = self._load(customers, customer_id, {"deleted"})
        if customer is not None and customer["deleted"]:
            raise Rejected("not_found", "The account this record belongs to was deleted")

    def _refuse_without_companion(self, spec, key, customer_id):
        """A record that shares its id with a record of another table (a contact's
        personal data) is made only for a live record of that table at the same
        customer: never squatting another team's contact, nor an orphan."""
        if spec.deleted_with is None:
            return
        other = self.registry[spec.deleted_with]
        companion = self._load(other, key, {"deleted", other.scope_column})
        if companion is None or companion["deleted"] \
                or other.customer_of(key, companion) != customer_id:
            raise Rejected("invalid", f"{spec.name} needs the id and customer_id of a live "
                                      f"record of {other.name}",
                           {"id": [f"Not a live record of {other.name} at this customer."]})

    def _update(self, spec, key, row, values, base, stamp):
        customer_id = spec.customer_of(key, row)
        if spec.scope_column not in (None, "id") and spec.scope_column in values \
                and values[spec.scope_column] != row[spec.scope_column]:
            raise Rejected("invalid", "A record cannot move to another customer",
                           {spec.scope_column: ["Cannot be changed."]})
        self.policy.check_write(self.session, spec.name, customer_id, row, values, "update")
        if spec.before_write is not None:
            self._call_hook(spec.before_write, key, row, values)
        versions = dict(row["field_versions"] or {})
        applied, lost, kept_theirs = {}, {}, {}
        for name, value in values.items():
            current, version = row[name], versions.get(name)
            if wire(value) == wire(current):
                continue  # same value: nothing to do, nothing to conflict about
            if self._seen_by_writer(base, name, version):
                applied[name] = value
                versions[name] = self._later_version(stamp, version)
                continue
            # Someone else wrote this field since the writer saw it: a conflict.
            mine_wins = version is None or stamp > version
            if name in spec.text_merge:
                winner, loser = (value, current) if mine_wins else (current, value)
                applied[name] = f"{winner}{TEXT_MERGE_MARK}{loser}"
                versions[name] = self._later_version(stamp, version)
                lost[name] = {"lost": wire(loser), "kept": wire(winner)}
            elif mine_wins:
                applied[name] = value
                versions[name] = stamp
                kept_theirs[name] = {"lost": wire(current), "kept": wire(value)}
            else:
                lost[name] = {"lost": wire(value), "kept": wire(current)}
        conflicts = []
        if lost:
            kind = "text" if set(lost) & spec.text_merge else "field"
            conflicts.append(self._conflict(spec, key, row, kind, lost,
                                            lost_client=self.client_id,
                                            lost_by=self.policy.user_id))
        if kept_theirs:
            conflicts.append(self._conflict(spec, key, row, "field", kept_theirs,
                                            lost_client=_node(row, kept_theirs),
                                            lost_by=row["updated_by"],
                                            won_by=self.policy.user_id))
        if not applied:
            return Outcome("conflict" if conflicts else "applied", row["seq"], conflicts)
        seq = self.next_seq()
        written = dict(seq=seq, field_versions=versions, updated_at=self._now(),
                       updated_by=self.policy.user_id, **applied)
        self._writes.update(spec, key, written)
        if (spec.name, key) in self._rows:
            self._rows[spec.name, key] = {**row, **written}
        self._track(spec, key, customer_id, row["seq"], seq, about=_about(spec, row))
        self._audit(spec, key, customer_id, "update", {k: wire(v) for k, v in applied.items()},
                    seq)
        if spec.after_write is not None:
            self._call_hook(spec.after_write, key, row, applied)
        return Outcome("conflict" if conflicts else "applied", seq, conflicts)

    def _last_values(self, spec, key):
        """A deleted record's last values, as a device may write them: what a re-create
        from the conflict needs to be a complete, valid record."""
        row = self._load(spec, key)
        return {name: wire(row[name]) for name in sorted(spec.writable)
                if name in row and row[name] is not None}

    def _conflict(self, spec, key, row, kind, fields, lost_client, lost_by, won_by=None,
                  record=None):
        """Write a conflict record (itself a synced record) and return its id. ``record``:
        for a delete, the record's last values (see _last_values)."""
        conflict_id = str(uuid.uuid4())
        conflicts = self.registry["conflicts"]
        customer_id = spec.customer_of(key, row) if row else None
        seq = self.next_seq()
        now = self._now()
        stamp = self.clock.tick()
        values = {"customer_id": customer_id, "table_name": spec.name, "record_id": key,
                  "kind": kind, "fields": fields, "lost_by": lost_by, "lost_client": lost_client,
                  "won_by": won_by, "status": "open", "record": record}
        self._writes.insert(conflicts, conflict_id, dict(
            seq=seq, deleted=False, field_versions={k: stamp for k in values},
            created_at=now, updated_at=now, created_by=self.policy.user_id,
            updated_by=self.policy.user_id, **values))
        self._track(conflicts, conflict_id, customer_id, None, seq, about=spec.name)
        return conflict_id

    # -- P5: delete --------------------------------------------------------------------
    def delete(self, table_name, key, base=None, stamp=None):
        """Tombstone a record (and a customer's whole subtree). Delete beats edit."""
        spec = self._spec(table_name)
        row = self._load(spec, key)
        if row is None or not self._may_read(spec, key, row):
            raise Rejected.missing()
        if row["deleted"]:
            return Outcome("applied", row["seq"])
        if not spec.deletable:
            raise Rejected("forbidden", f"{spec.name} records are kept, not deleted")
        customer_id = spec.customer_of(key, row)
        self.policy.check_write(self.session, spec.name, customer_id, row, {}, "delete")
        conflicts = []
        if base is not None:
            versions = row["field_versions"] or {}
            unseen = {name: {"lost": wire(row[name]), "kept": None} for name in spec.fields
                      if name in versions and not self._seen_by_writer(base, name,
                                                                       versions[name])}
            if unseen:
                conflicts.append(self._conflict(spec, key, row, "delete", unseen,
                                                lost_client=None, lost_by=row["updated_by"],
                                                won_by=self.policy.user_id,
                                                record=self._last_values(spec, key)))
        seq = self._tombstone(spec, key, row, customer_id)
        if spec.scope_column == "id":
            self._cascade(key)
        self._tombstone_companions(spec, key)
        return Outcome("conflict" if conflicts else "applied", seq, conflicts)

    def _tombstone_companions(self, spec, key):
        for other in self.registry.specs.values():
            if other.deleted_with == spec.name:
                row = self._load(other, key)
                if row is not None and not row["deleted"]:
                    # Its own customer, even if it ever differed: the checksums stay right.
                    self._tombstone(other, key, row, other.customer_of(key, row))

    def _tombstone(self, spec, key, row, customer_id):
        seq = self.next_seq()
        written = dict(deleted=True, seq=seq, updated_at=self._now(),
                       updated_by=self.policy.user_id)
        self._writes.update(spec, key, written)
        cached = self._rows.get((spec.name, key))
        if cached is not None:
            self._rows[spec.name, key] = {**cached, **written}
        self._track(spec, key, customer_id, row["seq"], None, about=_about(spec, row))
        self._audit(spec, key, customer_id, "delete", {}, seq)
        return seq

    def _cascade(self, customer_id):
        for spec in self.registry.specs.values():
            if spec.scope_column != "customer_id" or not spec.cascade_from_customer:
                continue
            live = self.conn.execute(sa.select(*_key_columns(spec)).where(
                spec.table.c.customer_id == customer_id, spec.table.c.deleted.is_(False)))
            for child in live.mappings().all():
                self._tombstone(spec, child["id"], child, customer_id)

    # -- L4 and evictions ----------------------------------------------------------------
    def restamp_customer(self, customer_id, tables=None):
        """Give every live record of a customer a new seq, so it reaches new viewers.
        ``tables``: only the records of these tables (and the conflicts about them)."""
        for spec in self.registry.specs.values():
            if spec.scope_column is None or (tables is not None and spec.name not in tables
                                             and spec.about_column is None):
                continue
            column = spec.table.c.id if spec.scope_column == "id" else spec.table.c.customer_id
            query = sa.select(*_key_columns(spec)).where(
                column == customer_id, spec.table.c.deleted.is_(False))
            if tables is not None and spec.about_column is not None:
                query = query.where(spec.table.c[spec.about_column].in_(sorted(tables)))
            for row in self.conn.execute(query).mappings().all():
                key, old_seq = row["id"], row["seq"]
                seq = self.next_seq()
                self._writes.update(spec, key, {"seq": seq})
                cached = self._rows.get((spec.name, key))
                if cached is not None:
                    self._rows[spec.name, key] = {**cached, "seq": seq}
                self._track(spec, key, customer_id, old_seq, seq, about=_about(spec, row))

    def rescope(self, customer_id, viewers_before, viewers_after, narrower=()):
        """The users who see a customer changed: those who lost it evict it from their
        phones, and its records are re-stamped so those who gained it receive them.

        ``narrower``: ``(tables, before, after)`` for tables fewer users see (personal
        data). Who keeps the customer but loses those evicts only them; they alone are
        re-stamped when someone gains only them."""
        lost = viewers_before - viewers_after
        for user_id in sorted(lost):
            self.evict(user_id, customer_id)
        gained = viewers_after - viewers_before
        for tables, before, after in narrower:
            for user_id in sorted(before - after - lost):
                self.evict(user_id, customer_id, tables)
            if after - before and not gained:
                self.restamp_customer(customer_id, tables)
        if gained:
            self.restamp_customer(customer_id)

    def evict(self, user_id, customer_id, tables=None):
        """Record that ``customer_id`` left ``user_id``'s scope (or only its ``tables``,
        and the conflicts about them): their phones drop it."""
        self.conn.execute(sa.insert(self.registry.sync.scope_events).values(
            seq=self.next_seq(), user_id=user_id, customer_id=customer_id,
            tables=None if tables is None else ",".join(sorted(tables))))


def _refuse_fields(spec, names):
    """Rejected: fields the table does not have, or that only the server writes."""
    unknown = [name for name in names if name not in spec.fields]
    if unknown:
        raise Rejected("invalid", "Unknown fields", {name: ["Unknown field."]
                                                     for name in unknown})
    raise Rejected("read_only_field", f"Set by the server only: {', '.join(names)}")


def _node(row, fields):
    """The device that wrote the (now losing) value of these fields, from its HLC (a
    version that is no HLC names no device)."""
    versions = row.get("field_versions") or {}
    for name in fields:
        if hlcs.is_valid(versions.get(name)):
            return hlcs.parse(versions[name]).node
    return None


_log = logging.getLogger(__name__)


def _warn_not_an_hlc(rows, name, version, client_id, mutation_id):
    """Log a stored field version that is no HLC, naming the records (of those this
    transaction read, ``rows``) whose ``name`` holds it: the write about to replace
    it is the repair, so each is logged once."""
    held = sorted(f"{table}/{key}" for (table, key), row in rows.items()
                  if row is not None and (row.get("field_versions") or {}).get(name) == version)
    shown = ", ".join(held[:3]) + (f" and {len(held) - 3} more" if len(held) > 3 else "")
    _log.warning("Field %r of %s has version %r, which is not an HLC (an older server "
                 "stored it): ordered before this write, which supersedes it "
                 "(client %s, mutation %s)", name, shown or "a record", version, client_id,
                 mutation_id)


_MISSING = object()


@built_once
def _lock_state(state):
    return (sa.update(state).where(state.c.id == 1).values(seq=state.c.seq)
            .returning(state.c.seq))


@built_once
def _set_head(state):
    return sa.update(state).where(state.c.id == 1).values(seq=sa.bindparam("head"))


@lru_cache(maxsize=256)  # bounded: a push's columns vary with the fields it writes
def _select_by_keys(table, columns, dialect_name):
    """The rows whose id is among ``_keys`` (``columns``: None for every column)."""
    select = sa.select(*(table.c[name] for name in columns)) if columns else sa.select(table)
    return select.where(among(table.c.id, "_keys", dialect_name))


def _row_columns(spec, fields):
    """The columns ``put`` reads when it writes ``fields`` to a row of ``spec``, sorted;
    None (all) when its hooks may read anything or ``fields`` is None."""
    if fields is None or spec.row_reads is None:
        return None
    columns = {"id", "seq", "deleted", "field_versions", "updated_by", *spec.row_reads}
    columns.update(name for name in (spec.scope_column, spec.about_column) if name)
    columns.update(name for name in fields if name in spec.table.c)
    return tuple(sorted(columns))


_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(table, conn):
    """An INSERT that can say ``ON CONFLICT`` on the connection's database."""
    return _insert_for(conn.dialect.name)(table)


def _insert_for(dialect_name):
    try:
        return _UPSERTS[dialect_name]
    except KeyError:
        raise RuntimeError(f"The sync engine supports {' and '.join(_UPSERTS)}, "
                           f"not {dialect_name}") from None


@built_once
def _checksum_upsert(sums, dialect_name):
    """Add each row's checksum and count to its bucket, or start the bucket."""
    return _added_to_buckets(_insert_for(dialect_name)(sums), sums)


@built_once
def _checksum_upsert_recordset(sums):
    """PostgreSQL: the same upsert with every bucket in one statement (the driver would
    send an executemany one row at a time)."""
    columns = [sums.c.customer_id, sums.c.table_name, sums.c.checksum, sums.c.count]
    rows = recordset_rows(columns)
    return _added_to_buckets(postgresql.insert(sums).from_select(
        [c.name for c in columns], sa.select(*[rows.c[c.name] for c in columns])), sums)


def _added_to_buckets(insert, sums):
    """``insert`` into ``sync_checksums``, adding to a bucket that exists already."""
    added = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=[sums.c.customer_id, sums.c.table_name],
        set_={"checksum": (sums.c.checksum + added.checksum) % CHECKSUM_MOD,
              "count": sums.c.count + added.count})


def checksum_bucket(spec, about=None):
    """The sync_checksums table_name a record of ``spec`` is summed under."""
    return f"{spec.name}:{about}" if spec.about_column else spec.name


def _about(spec, row):
    return row.get(spec.about_column) if spec.about_column else None


def _key_columns(spec):
    columns = [spec.table.c.id, spec.table.c.seq]
    if spec.about_column:
        columns.append(spec.table.c[spec.about_column])
    return columns
