"""The audit trail: who changed what, when, from which device (the sync change log)."""

from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, null, or_, select

from ..errors import ApiError
from ..extensions import db, sync_tables
from ..schemas.common import uuid_ref
from ..sync_registry import registry
from .listing import ListArgs
from .resource import BEARER, access

bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit",
               description="Every change to a synced record: who, what, when, which device")

LOG = sync_tables.change_log


class AuditFilters(ListArgs):
    table = fields.String(validate=validate.Length(max=40))
    record_id = uuid_ref()
    customer_id = uuid_ref()
    user_id = uuid_ref()


class AuditEntrySchema(Schema):
    seq = fields.Integer()
    table_name = fields.String()
    record_id = fields.String()
    customer_id = fields.String(allow_none=True)
    op = fields.String(metadata={"description": "create, update or delete"})
    changes = fields.Raw(metadata={"description": "new values; field names only for "
                                                  "personal data"})
    user_id = fields.String(allow_none=True)
    client_id = fields.String(allow_none=True, metadata={"description": "the device"})
    mutation_id = fields.Integer(allow_none=True)
    at = fields.AwareDateTime()


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


FILTER_COLUMNS = {"table": LOG.c.table_name, "record_id": LOG.c.record_id,
                  "customer_id": LOG.c.customer_id, "user_id": LOG.c.user_id}


@bp.route("", methods=["GET"])
@jwt_required()
@bp.arguments(AuditFilters, location="query")
@bp.response(200, AuditPageSchema)
@bp.alt_response(403, description="Reps read history through their records")
@bp.doc(security=BEARER)
def audit_trail(args):
    """Changes newest first: admins see all, managers the customers they manage
    (their own and their teams', not those merely shared with them)."""
    if current_user.role == "rep":
        raise ApiError(403, "The audit trail is for managers and admins")
    user_access = access()
    query = select(LOG)
    # A customer's history is an owner-level right: a share (to a manager as to a rep)
    # grants its records, not who did what to them.
    scope = user_access.managed_filter(LOG.c.customer_id)
    if scope is not None:
        query = query.where(scope)
    for name, column in FILTER_COLUMNS.items():
        if args.get(name):
            query = query.where(column == args[name])
    if args.get("record_id") and not args.get("customer_id"):
        query = _by_record_customer(query, args["record_id"], args.get("table"))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page, size = args["page"], args["page_size"]
    rows = db.session.execute(query.order_by(LOG.c.seq.desc(), LOG.c.id.desc())
                              .limit(size).offset((page - 1) * size)).mappings().all()
    return {"items": rows, "total": total, "page": page, "page_size": size}


def _by_record_customer(query, record_id, table_name=None):
    """``query`` also filtered by the record's customer, which the trail is indexed by
    (a record never moves to another customer). A record no longer stored (a pruned
    tombstone) keeps its history, found without the index."""
    specs = [registry.specs[table_name]] if table_name in registry.specs else \
        registry.specs.values()
    customers = set()
    for spec in specs:
        owner = spec.table.c[spec.scope_column] if spec.scope_column else null()
        customers.update(db.session.scalars(select(owner).where(spec.table.c.id == record_id)))
    if not customers:
        return query
    named = sorted(c for c in customers if c is not None)
    clause = LOG.c.customer_id.in_(named)
    if None in customers:
        clause = or_(clause, LOG.c.customer_id.is_(None))
    return query.where(clause)
