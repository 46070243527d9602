"""Writes to synced tables from the REST API and the server itself.

Every change to a synced record goes through the sync engine's ChangeSet, whatever
its source, so it gets a seq (phones pull it), field versions, a checksum update and
an audit entry. REST writes are the server's own: they carry no base versions and so
never conflict; phones that edited the same field offline will see the conflict.
"""

from sync.engine import ChangeSet, Rejected

from .errors import ApiError
from .extensions import db
from .sync_registry import registry

# How a refused write reads over REST.
STATUS_FOR_REASON = {
    "invalid": 422, "read_only_field": 422, "forbidden": 403, "not_found": 404,
    "deleted": 409, "unknown_table": 404, "stale": 409,
}


def as_api_error(rejected):
    errors = rejected.errors
    if rejected.reason == "invalid" and errors:
        errors = {"json": errors}
    return ApiError(STATUS_FOR_REASON.get(rejected.reason, 422), rejected.message, errors,
                    reason=rejected.reason)


def begin_write():
    """SQLite: end the read transaction the request opened (token check, scope lookups),
    so the next statement, the sync lock (P1), starts a fresh one and SQLite never has
    to upgrade a read lock under contention. PostgreSQL takes each statement's snapshot
    afresh (READ COMMITTED), so the lock needs no new transaction there, and ending one
    costs a commit, a pool checkout and its ping."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()


def changeset(access, device="api"):
    """A ChangeSet for the current request (the caller commits)."""
    begin_write()
    return ChangeSet(db.session, registry, access, client_id=device)


def save(access, table_name, key, fields, device="api"):
    """Create or update one record; returns the engine's Outcome. Commits."""
    try:
        with changeset(access, device) as changes:
            outcome = changes.put(table_name, key, fields)
    except Rejected as rejected:
        db.session.rollback()
        raise as_api_error(rejected) from None
    db.session.commit()
    return outcome


def remove(access, table_name, key, device="api"):
    """Tombstone one record (a customer takes its whole subtree with it). Commits."""
    try:
        with changeset(access, device) as changes:
            outcome = changes.delete(table_name, key)
    except Rejected as rejected:
        db.session.rollback()
        raise as_api_error(rejected) from None
    db.session.commit()
    return outcome
