"""CRUD over one synced table, shared by the resource blueprints.

Reads are scoped with ``Access.read_filter``; writes go through ``records.save`` and
``records.remove`` so phones receive them. Tombstoned rows are invisible (404).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_jwt_extended import current_user, jwt_required
from sqlalchemy import select

from sync.pull import scope_clause

from .. import records
from ..access import Access
from ..errors import ApiError
from ..extensions import db
from ..models import new_id
from ..sync_registry import registry
from .listing import page_schema, paginate, patch_schema, search

BEARER = [{"bearerAuth": []}]


@dataclass
class Resource:
    """How one synced table is exposed over REST."""

    table: str  # the sync registry's table name
    model: Any
    schema: Any  # marshmallow schema class
    filters: Any  # ListArgs subclass: query arguments
    search_columns: tuple = ()
    order_by: tuple = ()
    scope_column: str | None = "customer_id"  # None: visible to every user
    # Extra clauses for filters that are not "column == value": {arg: fn(value) -> clause}
    special_filters: dict[str, Callable] = field(default_factory=dict)
    # Extra search clauses (e.g. customers by contact name): fn(q) -> clause
    extra_search: Callable | None = None

    def scope(self, access):
        # The sync pull's own clause, so the API and the phones agree on who sees what.
        spec = registry.specs.get(self.table)
        if spec is not None:
            return scope_clause(registry, spec, access, self.model.__table__)
        if self.scope_column is None:
            return None
        return access.read_filter(self.table, getattr(self.model, self.scope_column))


def access():
    return Access.for_user(db.session, current_user)


def visible(res, user_access):
    """The live rows of ``res`` this user may read."""
    query = select(res.model).where(res.model.deleted.is_(False))
    clause = res.scope(user_access)
    return query if clause is None else query.where(clause)


def get_or_404(res, user_access, key):
    row = db.session.scalar(visible(res, user_access).where(res.model.id == str(key)))
    if row is None:
        raise ApiError(404, f"No such record in {res.table}")
    return row


def list_page(res, user_access, args):
    query = visible(res, user_access)
    for name, value in args.items():
        if name in ("page", "page_size", "q"):
            continue
        if name in res.special_filters:
            query = query.where(res.special_filters[name](value))
        else:
            query = query.where(getattr(res.model, name) == value)
    if args.get("q"):
        clause = search(args["q"], *res.search_columns)
        if res.extra_search is not None:
            clause = clause | res.extra_search(args["q"])
        query = query.where(clause)
    query = query.order_by(*res.order_by, res.model.id)
    return paginate(db.session, query, args)


def fetch(res, key):
    """The row just written (its write was authorised, so no read scope here)."""
    db.session.expire_all()
    return db.session.get(res.model, key)


def create(res, user_access, data):
    key = data.pop("id", None) or new_id()
    if db.session.get(res.model, key) is not None:
        raise ApiError(409, "A record with this id already exists")
    records.save(user_access, res.table, key, data)
    return fetch(res, key)


def update(res, user_access, key, data):
    row = get_or_404(res, user_access, key)
    if data.pop("id", row.id) != row.id:
        raise ApiError(422, "The id cannot change", {"json": {"id": ["Cannot be changed."]}})
    if data:
        records.save(user_access, res.table, row.id, data)
    return fetch(res, row.id)


def delete(res, user_access, key):
    row = get_or_404(res, user_access, key)
    records.remove(user_access, res.table, row.id)


def register(bp, res, label, create_view=None, update_view=None, writable=True,
             deletable=True):
    """Add list, read and (unless turned off) create, update, delete routes to ``bp``.

    ``create_view`` / ``update_view`` replace the default work function for a resource
    whose writes need more than one record (e.g. a customer reassignment).
    """
    schema, patch = res.schema, patch_schema(res.schema)
    do_create = create_view or create
    do_update = update_view or update

    @bp.route("", methods=["GET"])
    @jwt_required()
    @bp.arguments(res.filters, location="query")
    @bp.response(200, page_schema(schema))
    @bp.doc(security=BEARER, summary=f"List {label}")
    def list_records(args):
        """A page of the records you may see; filters combine with AND."""
        return list_page(res, access(), args)

    @bp.route("/<uuid:key>", methods=["GET"])
    @jwt_required()
    @bp.response(200, schema)
    @bp.alt_response(404, description="Unknown, deleted, or not yours to see")
    @bp.doc(security=BEARER, summary=f"Read one of {label}")
    def read(key):
        """One record."""
        return get_or_404(res, access(), key)

    if writable:
        @bp.route("", methods=["POST"])
        @jwt_required()
        @bp.arguments(schema)
        @bp.response(201, schema)
        @bp.alt_response(403, description="Not allowed to write this")
        @bp.alt_response(409, description="A record with this id exists")
        @bp.doc(security=BEARER, summary=f"Create one of {label}")
        def create_record(data):
            """Create a record; send your own UUID ``id`` or let the server make one."""
            return do_create(res, access(), data)

    @bp.route("/<uuid:key>", methods=["PATCH"])
    @jwt_required()
    @bp.arguments(patch)
    @bp.response(200, schema)
    @bp.alt_response(403, description="Not allowed to write this")
    @bp.alt_response(404, description="Unknown, deleted, or not yours to see")
    @bp.doc(security=BEARER, summary=f"Update one of {label}")
    def update_record(data, key):
        """Change the fields sent, leave the rest."""
        return do_update(res, access(), key, data)

    if deletable:
        @bp.route("/<uuid:key>", methods=["DELETE"])
        @jwt_required()
        @bp.response(204)
        @bp.alt_response(403, description="Not allowed to delete this")
        @bp.alt_response(404, description="Unknown, deleted, or not yours to see")
        @bp.doc(security=BEARER, summary=f"Delete one of {label}")
        def delete_record(key):
            """Tombstone the record (a customer takes its contacts, visits... with it)."""
            delete(res, access(), key)
