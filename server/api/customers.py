"""Customers (key accounts), their competitors, and sharing a customer with a rep."""

from flask_jwt_extended import jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import exists, select

from .. import scope_changes
from ..domain import ABC_CLASSES, LOYALTY, RELATIONSHIP_LADDER, SATISFACTION
from ..errors import ApiError
from ..extensions import db
from ..models import Competitor, Contact, Customer, CustomerShare, User
from ..schemas import CompetitorSchema, CustomerSchema
from ..schemas.common import choice, uuid_ref
from . import resource
from .listing import ListArgs, search
from .resource import BEARER, Resource

bp = Blueprint("customers", __name__, url_prefix="/api/v1/customers",
               description="Key accounts: the four kinds of customer data, and sharing")
competitors_bp = Blueprint("competitors", __name__, url_prefix="/api/v1/competitors",
                           description="Competitor products in use at a customer")


class CustomerFilters(ListArgs):
    owner_id = uuid_ref()
    abc_class = choice(ABC_CLASSES)
    loyalty = choice(LOYALTY)
    relationship_level = choice(RELATIONSHIP_LADDER)
    is_key_account = fields.Boolean()


class CompetitorFilters(ListArgs):
    customer_id = uuid_ref()
    satisfaction = choice(SATISFACTION)


def _by_contact_name(q):
    # Contact names only: personal data never feeds a search a shared rep can run.
    return exists().where(Contact.customer_id == Customer.id, Contact.deleted.is_(False),
                          search(q, Contact.name))


customers = Resource(
    "customers", Customer, CustomerSchema, CustomerFilters,
    search_columns=(Customer.name, Customer.city, Customer.industry),
    extra_search=_by_contact_name, order_by=(Customer.name,), scope_column="id")

competitors = Resource(
    "competitors", Competitor, CompetitorSchema, CompetitorFilters,
    search_columns=(Competitor.competitor, Competitor.product, Competitor.rep_name),
    order_by=(Competitor.competitor,))


# An owner change (PATCH owner_id) needs no special path here: the sync engine's
# after_write hook for customers evicts and restamps in the same ChangeSet, for REST
# and for phone pushes alike (server/sync_registry.py).
resource.register(bp, customers, "customers")
resource.register(competitors_bp, competitors, "competitors")


class ShareSchema(Schema):
    user_id = uuid_ref(required=True)


class SharedWithSchema(Schema):
    user_id = fields.String()
    name = fields.String()
    email = fields.String()


def _shareable(key):
    """The customer, if the caller may share it: its owner, their manager, an admin."""
    access = resource.access()
    customer = resource.get_or_404(customers, access, key)
    if not access.can_read(db.session, "contact_personal", customer.id):
        raise ApiError(403, "Only the owner, their manager or an admin shares a customer")
    return access, customer


def _shares(customer_id):
    return db.session.scalars(select(User).join(
        CustomerShare, CustomerShare.user_id == User.id).where(
        CustomerShare.customer_id == customer_id).order_by(User.name)).all()


@bp.route("/<uuid:key>/shares", methods=["GET"])
@jwt_required()
@bp.response(200, SharedWithSchema(many=True))
@bp.doc(security=BEARER)
def list_shares(key):
    """The reps this customer is shared with."""
    _access, customer = _shareable(key)
    return _share_rows(customer.id)


@bp.route("/<uuid:key>/shares", methods=["POST"])
@jwt_required()
@bp.arguments(ShareSchema)
@bp.response(201, SharedWithSchema(many=True))
@bp.alt_response(403, description="Not the owner, their manager or an admin")
@bp.doc(security=BEARER)
def add_share(body, key):
    """Share the customer with a rep: they read and write it, not its personal data."""
    access, customer = _shareable(key)
    user = db.session.get(User, body["user_id"])
    if user is None or not user.active or user.id == customer.owner_id:
        raise ApiError(422, "Share with an active user other than the owner",
                       {"json": {"user_id": ["Not an active user other than the owner."]}})
    if db.session.get(CustomerShare, (customer.id, user.id)) is None:
        scope_changes.apply(access, {customer.id}, lambda _changes: db.session.add(
            CustomerShare(customer_id=customer.id, user_id=user.id)))
    return _share_rows(customer.id)


@bp.route("/<uuid:key>/shares/<uuid:user_id>", methods=["DELETE"])
@jwt_required()
@bp.response(204)
@bp.alt_response(404, description="Not shared with this user")
@bp.doc(security=BEARER)
def remove_share(key, user_id):
    """Stop sharing: the rep's phones drop the customer on their next pull."""
    access, customer = _shareable(key)
    share = db.session.get(CustomerShare, (customer.id, str(user_id)))
    if share is None:
        raise ApiError(404, "This customer is not shared with that user")
    scope_changes.apply(access, {customer.id}, lambda _changes: db.session.delete(share))


def _share_rows(customer_id):
    return [{"user_id": u.id, "name": u.name, "email": u.email} for u in _shares(customer_id)]
