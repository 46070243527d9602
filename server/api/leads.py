"""Leads (线索): capture, qualify into a customer (with a contact and maybe a deal), or
disqualify with a reason; and the look-alikes a new lead or customer may duplicate.

Every write goes through the sync engine, so the rules of server/leads.py hold for
REST and for a phone's push alike.
"""

from flask_jwt_extended import jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from sync.engine import Rejected

from .. import leads, records
from ..domain import LEAD_SOURCES, LEAD_STATUSES
from ..errors import ApiError
from ..extensions import db
from ..models import Lead, new_id
from ..schemas import LeadSchema
from ..schemas.common import choice, uuid_ref
from ..sync_registry import registry
from . import resource
from .listing import ListArgs, QueryArgs
from .resource import BEARER, Resource

bp = Blueprint("leads", __name__, url_prefix="/api/v1/leads",
               description="Leads met in the field, qualified into customers or disqualified")


class LeadFilters(ListArgs):
    owner_id = uuid_ref()
    status = choice(LEAD_STATUSES)
    source = choice(LEAD_SOURCES)


leads_resource = Resource(
    "leads", Lead, LeadSchema, LeadFilters,
    search_columns=(Lead.name, Lead.company, Lead.phone), order_by=(Lead.created_at.desc(),),
    scope_column="id")


class DuplicateArgs(QueryArgs):
    name = fields.String(load_default="", validate=validate.Length(max=200))
    company = fields.String(load_default="", validate=validate.Length(max=200))
    phone = fields.String(load_default="", validate=validate.Length(max=40))
    exclude = uuid_ref(metadata={"description": "a lead to leave out (the one being edited)"})


class DuplicatesSchema(Schema):
    customers = fields.List(fields.Dict())
    contacts = fields.List(fields.Dict())
    leads = fields.List(fields.Dict())


# Declared before the record routes: "/duplicates" is no lead id.
@bp.route("/duplicates", methods=["GET"])
@jwt_required()
@bp.arguments(DuplicateArgs, location="query")
@bp.response(200, DuplicatesSchema)
@bp.doc(security=BEARER, summary="Records that look like a lead")
def duplicates(args):
    """Customers, contacts and leads you see whose name looks like ``name`` or
    ``company`` (equal or containing one another, case, width, spacing and legal-form
    words aside) or whose phone has the same digits as ``phone``."""
    return leads.duplicates(db.session, registry, resource.access(), **args)


resource.register(bp, leads_resource, "leads")


class QualifySchema(Schema):
    """What the lead becomes. ``customer`` (a new customer's fields; its name defaults
    to the lead's company, else its name) or ``customer_id`` (one you see); ``contact``
    (a new contact's fields, defaulting to the lead's name, phone and email; null for
    none); ``opportunity`` (a new deal's fields; optional)."""

    customer = fields.Dict(metadata={"description": "fields of a new customer"})
    customer_id = uuid_ref()
    contact = fields.Dict(allow_none=True, metadata={"description": "fields of a new contact"})
    opportunity = fields.Dict(metadata={"description": "fields of a new opportunity"})

    @validates_schema
    def _one_customer(self, data, **_kwargs):
        if "customer" in data and "customer_id" in data:
            raise ValidationError("Send customer or customer_id, not both.", "customer_id")


class DisqualifySchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


@bp.route("/<uuid:key>/qualify", methods=["POST"])
@jwt_required()
@bp.arguments(QualifySchema)
@bp.response(200, LeadSchema)
@bp.alt_response(404, description="Unknown, deleted, or not yours to see")
@bp.alt_response(409, description="The lead is qualified already")
@bp.doc(security=BEARER, summary="Qualify a lead into a customer")
def qualify(data, key):
    """Make the customer (or take one you see), the contact and the opportunity, and
    link them to the lead, all in one transaction: any refusal makes none of them."""
    access = resource.access()
    lead = resource.get_or_404(leads_resource, access, key)
    if lead.status == "qualified":
        raise ApiError(409, "The lead is qualified already")
    writes = _qualification(lead, data)
    try:
        with records.changeset(access) as changes:
            for part, table_name, record_id, fields_ in writes:
                _put(changes, part, table_name, record_id, fields_)
    except Rejected as rejected:
        db.session.rollback()
        raise records.as_api_error(rejected) from None
    db.session.commit()
    return resource.fetch(leads_resource, lead.id)


def _qualification(lead, data):
    """The puts that qualify ``lead``, in order: (body part, table, id, fields)."""
    writes = []
    customer_id = data.get("customer_id")
    if customer_id is None:
        customer_id = new_id()
        # The lead's owner owns what it becomes (a manager qualifies for their rep).
        customer = {"name": lead.company or lead.name, "owner_id": lead.owner_id,
                    **data.get("customer", {})}
        writes.append(("customer", "customers", customer_id, customer))
    links = {"status": "qualified", "qualified_customer_id": customer_id}
    contact = data.get("contact", {"name": lead.name, "phone": lead.phone,
                                   "email": lead.email or None})
    if contact is not None:
        contact = {name: value for name, value in contact.items() if value is not None}
        links["qualified_contact_id"] = new_id()
        writes.append(("contact", "contacts", links["qualified_contact_id"],
                       {**contact, "customer_id": customer_id}))
    if "opportunity" in data:
        links["qualified_opportunity_id"] = new_id()
        writes.append(("opportunity", "opportunities", links["qualified_opportunity_id"],
                       {"owner_id": lead.owner_id, **data["opportunity"],
                        "customer_id": customer_id}))
    writes.append((None, "leads", lead.id, links))
    return writes


def _put(changes, part, table_name, record_id, fields_):
    """One put of a qualification; a refusal names the body part it came from."""
    try:
        changes.put(table_name, record_id, fields_)
    except Rejected as rejected:
        if part is not None and rejected.errors:
            rejected.errors = {part: rejected.errors}
        raise


@bp.route("/<uuid:key>/disqualify", methods=["POST"])
@jwt_required()
@bp.arguments(DisqualifySchema)
@bp.response(200, LeadSchema)
@bp.alt_response(404, description="Unknown, deleted, or not yours to see")
@bp.doc(security=BEARER, summary="Disqualify a lead, saying why")
def disqualify(data, key):
    """Set the lead's status to disqualified with the reason given."""
    access = resource.access()
    lead = resource.get_or_404(leads_resource, access, key)
    records.save(access, "leads", lead.id, {"status": "disqualified",
                                             "disqualify_reason": data["reason"]})
    return resource.fetch(leads_resource, lead.id)
