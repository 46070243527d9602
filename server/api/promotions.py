"""Stage promotions over REST: request, decide, withdraw, list, badge count; and the
history of an opportunity.

Every write goes through the sync engine, where the ``promotions`` hooks enforce the
rules (server/promotions.py): a refused write answers 403 (forbidden), 409 (stale:
the opportunity moved, the request was decided, another request is pending) or 422.
"""

from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import and_, func, select

from .. import promotions as rules
from ..domain import LOST_REASONS
from ..extensions import db
from ..models import Opportunity, Promotion, User
from ..schemas import PromotionSchema
from ..schemas.common import choice, uuid_ref
from ..schemas.promotion import PROMOTION_KINDS, PROMOTION_STATUSES
from . import resource
from .listing import ListArgs
from .opportunities import opportunities
from .resource import BEARER, Resource, access

bp = Blueprint("promotions", __name__, url_prefix="/api/v1/promotions",
               description="Stage promotions: evidence-based requests and manager decisions")
history_bp = Blueprint("opportunity_history", __name__, url_prefix="/api/v1/opportunities",
                       description="The history of an opportunity: promotions and changes")


def _awaiting_me(user_access):
    """Pending requests this user may decide (not their own)."""
    clause = and_(Promotion.status == "pending", Promotion.requested_by != user_access.user_id)
    if user_access.is_admin:
        return clause
    if user_access.role != "manager" or not user_access.managed_team_ids:
        return Promotion.id.is_(None)  # nothing
    team_reps = select(User.id).where(User.team_id.in_(user_access.managed_team_ids))
    deals = select(Opportunity.id).where(Opportunity.owner_id.in_(team_reps))
    return and_(clause, Promotion.opportunity_id.in_(deals))


def _awaiting_filter(value):
    clause = _awaiting_me(access())
    return clause if value else ~clause


class PromotionFilters(ListArgs):
    status = choice(PROMOTION_STATUSES)
    kind = choice(PROMOTION_KINDS)
    customer_id = uuid_ref()
    opportunity_id = uuid_ref()
    requested_by = uuid_ref()
    lost_reason = choice(LOST_REASONS)
    awaiting_me = fields.Boolean(metadata={
        "description": "true: pending requests you may decide (a manager's inbox)"})


promotions = Resource(
    "promotions", Promotion, PromotionSchema, PromotionFilters,
    search_columns=(Promotion.justification, Promotion.decision_comment),
    order_by=(Promotion.created_at.desc(),),
    special_filters={"awaiting_me": _awaiting_filter})


class PromotionCountSchema(Schema):
    awaiting_me = fields.Integer(metadata={"description": "pending requests you may decide"})
    mine_pending = fields.Integer(metadata={"description": "your own requests still pending"})
    pending = fields.Integer(metadata={"description": "pending requests you can see"})


@bp.route("/count", methods=["GET"])
@jwt_required()
@bp.response(200, PromotionCountSchema)
@bp.doc(security=BEARER, summary="Counts for the badge")
def count():
    """How many requests wait for your decision, and how many of yours are pending."""
    user_access = access()
    visible = resource.visible(promotions, user_access).where(Promotion.status == "pending")

    def total(query):
        return db.session.scalar(select(func.count()).select_from(query.subquery()))

    return {"awaiting_me": total(visible.where(_awaiting_me(user_access))),
            "mine_pending": total(visible.where(Promotion.requested_by == current_user.id)),
            "pending": total(visible)}


# list (newest first), read, create (a request), PATCH (decide / withdraw). No DELETE:
# a request is withdrawn, never erased.
resource.register(bp, promotions, "promotion requests", deletable=False)


class HistoryEventSchema(Schema):
    at = fields.AwareDateTime()
    seq = fields.Integer()
    event = fields.String(metadata={"description": "created, changed, deleted (the deal); "
                                                   "requested, approved, rejected, withdrawn, "
                                                   "request_deleted (a promotion)"})
    table = fields.String()
    record_id = fields.String()
    promotion_id = fields.String()
    user_id = fields.String(allow_none=True)
    user_name = fields.String(allow_none=True)
    client_id = fields.String(allow_none=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields")


class HistorySchema(Schema):
    opportunity_id = fields.String()
    promotions = fields.List(fields.Nested(PromotionSchema),
                             metadata={"description": "every request, newest first"})
    events = fields.List(fields.Nested(HistoryEventSchema), metadata={"description":
                         "the audit trail of the deal and its requests, oldest first"})


@history_bp.route("/<uuid:key>/history", methods=["GET"])
@jwt_required()
@history_bp.response(200, HistorySchema)
@history_bp.alt_response(404, description="Unknown, deleted, or not yours to see")
@history_bp.doc(security=BEARER, summary="History of an opportunity")
def opportunity_history(key):
    """Who requested which promotion, who decided, when and why; and every change."""
    row = resource.get_or_404(opportunities, access(), key)
    return rules.history(db.session, row)
