"""Pipeline figures (funnel, forecast, movement, reps, meetings) and monthly targets.

Every figure is computed by server/pipeline.py for the caller's scope (a rep their own
deals, a manager their teams', an admin all) and answers JSON, or CSV with
``?format=csv`` (UTF-8 with a BOM, so Excel opens Chinese text). docs/pipeline.md
defines each figure.
"""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from flask import Response
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from .. import pipeline
from ..errors import ApiError
from ..extensions import db
from ..models import Target, User, new_id
from ..schemas import TargetSchema
from ..schemas.common import month, uuid_ref
from .listing import ListArgs, QueryArgs, page_schema, paginate, patch_schema
from .resource import BEARER, access

bp = Blueprint("pipeline", __name__, url_prefix="/api/v1/pipeline",
               description="Funnel, forecast, movement, bottlenecks, meeting prompts")
targets_bp = Blueprint("targets", __name__, url_prefix="/api/v1/targets",
                       description="Monthly targets per rep (managers set them for their reps)")

CSV_DOC = {"responses": {"200": {"content": {"text/csv": {"schema": {"type": "string"}}}}}}


# -- query arguments ----------------------------------------------------------------------

class FigureArgs(QueryArgs):
    rep_id = uuid_ref(metadata={"description": "one rep (in your scope)"})
    team_id = uuid_ref(metadata={"description": "one team (in your scope)"})
    month = month(metadata={"description": "YYYY-MM: the period is this calendar month"})
    from_ = fields.Date(data_key="from", metadata={"description": "period start (inclusive)"})
    to = fields.Date(metadata={"description": "period end (inclusive)"})
    as_of = fields.Date(metadata={"description": "the day figures are computed for "
                                                 "(default: today, UTC)"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class MeetingArgs(FigureArgs):
    bid_days = fields.Integer(load_default=pipeline.DEFAULT_BID_DAYS,
                              validate=validate.Range(1, 365), metadata={
                                  "description": "bid approaching: expected close within "
                                                 "this many days, at milestone 4 or later"})


# -- reply schemas (for the OpenAPI document; amounts are numbers with 2 decimals) -----------

def _money():
    return fields.Decimal(places=2, as_string=False)


class PeriodSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from", allow_none=True)
    to = fields.Date(allow_none=True)
    as_of = fields.Date(allow_none=True)


class AmountSchema(Schema):
    currency = fields.String()
    count = fields.Integer()
    amount = _money()
    weighted = _money()


class MilestoneFigureSchema(Schema):
    milestone = fields.Integer()
    key = fields.String()
    name_en = fields.String()
    name_zh = fields.String()
    probability = fields.Integer()
    count = fields.Integer()
    amounts = fields.List(fields.Nested(AmountSchema), metadata={"description": "per currency"})


class RepFunnelSchema(Schema):
    user_id = fields.String()
    name = fields.String(allow_none=True)
    milestones = fields.List(fields.Nested(MilestoneFigureSchema))


class ConversionSchema(Schema):
    from_milestone = fields.Integer()
    to_milestone = fields.Integer()
    entered = fields.Integer()
    advanced = fields.Integer()
    rate = fields.Float(allow_none=True)
    scope_rate = fields.Float(allow_none=True)
    below_scope = fields.Boolean()


class FunnelSchema(Schema):
    period = fields.Nested(PeriodSchema)
    milestones = fields.List(fields.Nested(MilestoneFigureSchema))
    per_rep = fields.List(fields.Nested(RepFunnelSchema))
    conversion = fields.List(fields.Nested(ConversionSchema))


class ForecastTotalSchema(Schema):
    currency = fields.String()
    count = fields.Integer()
    amount = _money()
    weighted = _money()
    requested_weighted = _money()


class TeamForecastCellSchema(ForecastTotalSchema):
    month = fields.String(allow_none=True)
    target = _money()
    coverage = fields.Float(allow_none=True)
    requested_coverage = fields.Float(allow_none=True)


class ForecastCellSchema(TeamForecastCellSchema):
    user_id = fields.String()
    name = fields.String(allow_none=True)


class ForecastSchema(Schema):
    period = fields.Nested(PeriodSchema)
    totals = fields.List(fields.Nested(ForecastTotalSchema))
    per_rep_month = fields.List(fields.Nested(ForecastCellSchema))
    team_month = fields.List(fields.Nested(TeamForecastCellSchema))


class DealFigureSchema(Schema):
    opportunity_id = fields.String()
    name = fields.String()
    customer_id = fields.String()
    customer_name = fields.String(allow_none=True)
    owner_id = fields.String()
    owner_name = fields.String(allow_none=True)
    milestone = fields.Integer()
    probability = fields.Integer()
    amount = _money()
    currency = fields.String()
    expected_close_date = fields.Date(allow_none=True)
    stage_started = fields.Date()
    days_in_stage = fields.Integer()
    stall_days = fields.Integer(allow_none=True)
    stalled = fields.Boolean()
    late = fields.Boolean()
    days_late = fields.Integer()


class MovementMilestoneSchema(Schema):
    milestone = fields.Integer()
    key = fields.String()
    stall_days = fields.Integer()
    count = fields.Integer()
    stalled = fields.Integer()
    late = fields.Integer()
    average_days_in_stage = fields.Float(allow_none=True)


class MovementSchema(Schema):
    period = fields.Nested(PeriodSchema)
    milestones = fields.List(fields.Nested(MovementMilestoneSchema))
    deals = fields.List(fields.Nested(DealFigureSchema))


class PlanFiguresSchema(Schema):
    planned = fields.Integer(metadata={"description": "plans in the window, not cancelled"})
    done = fields.Integer(metadata={"description": "of those, logged as a visit"})
    missed = fields.Integer(metadata={"description": "still open after their day"})
    cancelled = fields.Integer()


class ActivitySchema(Schema):
    visits = fields.Integer()
    unplanned_visits = fields.Integer(metadata={"description": "visits logged without a plan"})
    plans = fields.Nested(PlanFiguresSchema)
    by_type = fields.List(fields.Dict())
    cost = fields.List(fields.Dict())
    gifts = fields.List(fields.Dict())


class RepFigureSchema(Schema):
    user_id = fields.String()
    name = fields.String(allow_none=True)
    open_deals = fields.Integer()
    stalled_deals = fields.Integer()
    conversion = fields.List(fields.Nested(ConversionSchema))
    activity = fields.Nested(ActivitySchema)


class RepsSchema(Schema):
    period = fields.Nested(PeriodSchema)
    activity_period = fields.Nested(PeriodSchema)
    conversion = fields.List(fields.Nested(ConversionSchema))
    reps = fields.List(fields.Nested(RepFigureSchema))


class TriggerSchema(Schema):
    trigger = fields.String(validate=validate.OneOf(list(pipeline.TRIGGERS)))
    en = fields.String()
    zh = fields.String()
    detail = fields.Dict()


class AgendaItemSchema(Schema):
    key = fields.String()
    en = fields.String()
    zh = fields.String()


class MeetingPromptSchema(DealFigureSchema):
    triggers = fields.List(fields.Nested(TriggerSchema))
    agenda = fields.List(fields.Nested(AgendaItemSchema))


class MeetingsSchema(Schema):
    period = fields.Nested(PeriodSchema)
    bid_days = fields.Integer()
    meetings = fields.List(fields.Nested(MeetingPromptSchema))


# -- CSV -----------------------------------------------------------------------------------

def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    text = str(value)
    # A cell Excel would run as a formula gets a leading apostrophe.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(name, rows):
    columns = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="pipeline-{name}.csv"'})


def _funnel_rows(figure):
    rows = []
    per = [("scope", None, None, figure["milestones"])]
    per += [("rep", r["user_id"], r["name"], r["milestones"]) for r in figure["per_rep"]]
    for section, user_id, name, milestones in per:
        for m in milestones:
            for amount in m["amounts"] or [{"currency": None, "count": 0, "amount": None,
                                            "weighted": None}]:
                rows.append({"section": section, "user_id": user_id, "name": name,
                             "milestone": m["milestone"], "key": m["key"], **amount})
    rows += [{"section": "conversion", **c} for c in figure["conversion"]]
    return rows


def _forecast_rows(figure):
    return ([{"section": "total", **t} for t in figure["totals"]]
            + [{"section": "rep_month", **c} for c in figure["per_rep_month"]]
            + [{"section": "team_month", **c} for c in figure["team_month"]])


def _reps_rows(figure):
    rows = [{"section": "conversion", "user_id": None, **c} for c in figure["conversion"]]
    for rep in figure["reps"]:
        who = {"user_id": rep["user_id"], "name": rep["name"]}
        rows += [{"section": "conversion", **who, **c} for c in rep["conversion"]]
        activity = rep["activity"]
        rows += [{"section": "visits", **who, **t} for t in activity["by_type"]]
        rows += [{"section": "cost", **who, **c} for c in activity["cost"]]
        rows += [{"section": "gifts", **who, **g} for g in activity["gifts"]]
        rows.append({"section": "plans", **who, **activity["plans"],
                     "unplanned_visits": activity["unplanned_visits"]})
    return rows


def _meeting_rows(figure):
    return [{**{k: v for k, v in m.items() if k not in ("triggers", "agenda")},
             "trigger": t["trigger"], "trigger_en": t["en"], "trigger_zh": t["zh"]}
            for m in figure["meetings"] for t in m["triggers"]]


# -- figures -------------------------------------------------------------------------------

def _filters(args):
    try:
        return pipeline.resolve(db.session, access(), rep_id=args.get("rep_id"),
                                team_id=args.get("team_id"), month=args.get("month"),
                                start=args.get("from_"), end=args.get("to"),
                                as_of=args.get("as_of"))
    except pipeline.ScopeError as error:
        raise ApiError(404, str(error)) from None
    except ValueError as error:
        raise ApiError(422, str(error), {"query": {"from": [str(error)]}}) from None


def _answer(name, args, figure, rows):
    if args["format"] == "csv":
        return csv_response(name, rows(figure))
    return figure


@bp.route("/funnel", methods=["GET"])
@jwt_required()
@bp.arguments(FigureArgs, location="query")
@bp.response(200, FunnelSchema)
@bp.doc(security=BEARER, summary="Funnel and conversion", **CSV_DOC)
def funnel(args):
    """Open deals and amounts per milestone (expected close in the period), for the
    scope and per rep; conversion between milestones (deals that entered n in the
    period, share that later entered n + 1)."""
    filters = _filters(args)
    return _answer("funnel", args, pipeline.funnel(db.session, filters), _funnel_rows)


@bp.route("/forecast", methods=["GET"])
@jwt_required()
@bp.arguments(FigureArgs, location="query")
@bp.response(200, ForecastSchema)
@bp.doc(security=BEARER, summary="Weighted forecast, targets, coverage", **CSV_DOC)
def forecast(args):
    """Weighted pipeline (amount x probability of the approved milestone), the requested
    one (as if pending requests were approved), per currency; per rep and month against
    targets: coverage = weighted / target (null without a target)."""
    filters = _filters(args)
    return _answer("forecast", args, pipeline.forecast(db.session, filters), _forecast_rows)


@bp.route("/movement", methods=["GET"])
@jwt_required()
@bp.arguments(FigureArgs, location="query")
@bp.response(200, MovementSchema)
@bp.doc(security=BEARER, summary="Are projects moving?", **CSV_DOC)
def movement(args):
    """Open deals with days in their milestone, stalled (over the stage's stall_days) and
    late (expected close date passed); a summary per milestone."""
    filters = _filters(args)
    return _answer("movement", args, pipeline.movement(db.session, filters),
                   lambda figure: figure["deals"])


@bp.route("/reps", methods=["GET"])
@jwt_required()
@bp.arguments(FigureArgs, location="query")
@bp.response(200, RepsSchema)
@bp.doc(security=BEARER, summary="Bottlenecks per rep", **CSV_DOC)
def reps(args):
    """Per-rep conversion per milestone against the scope's, open and stalled deals, and
    activity mix (visits by type, cost and gift values per currency)."""
    filters = _filters(args)
    return _answer("reps", args, pipeline.reps(db.session, filters), _reps_rows)


@bp.route("/meetings", methods=["GET"])
@jwt_required()
@bp.arguments(MeetingArgs, location="query")
@bp.response(200, MeetingsSchema)
@bp.doc(security=BEARER, summary="Project analysis meeting prompts", **CSV_DOC)
def meetings(args):
    """Open deals that meet a trigger (stalled, late, a contact turned against us, bid
    approaching), each with the meeting's agenda."""
    filters = _filters(args)
    return _answer("meetings", args,
                   pipeline.meetings(db.session, filters, bid_days=args["bid_days"]),
                   _meeting_rows)


# -- targets ---------------------------------------------------------------------------------

class TargetFilters(ListArgs):
    user_id = uuid_ref()
    month = month()
    currency = fields.String(validate=validate.Length(equal=3))


def _may_set_target(user_access, user_id):
    """Admins for anyone; a manager for the members of the teams they manage."""
    if user_access.is_admin:
        return True
    if user_access.role != "manager" or user_id == user_access.user_id:
        return False
    user = db.session.get(User, user_id)
    return user is not None and user.team_id in user_access.managed_team_ids


def _visible_targets(user_access):
    people = [p.id for p in pipeline.people_in_scope(db.session, user_access)]
    return select(Target).where(Target.user_id.in_(people))


def _target_or_404(key, user_access):
    row = db.session.scalar(_visible_targets(user_access).where(Target.id == str(key)))
    if row is None:
        raise ApiError(404, "No such target")
    return row


@targets_bp.route("", methods=["GET"])
@jwt_required()
@targets_bp.arguments(TargetFilters, location="query")
@targets_bp.response(200, page_schema(TargetSchema))
@targets_bp.doc(security=BEARER, summary="List targets")
def list_targets(args):
    """Targets of the people whose figures you see (a rep: their own)."""
    query = _visible_targets(access())
    for name in ("user_id", "month", "currency"):
        if args.get(name):
            query = query.where(getattr(Target, name) == args[name])
    return paginate(db.session, query.order_by(Target.month, Target.user_id, Target.currency),
                    args)


@targets_bp.route("", methods=["POST"])
@jwt_required()
@targets_bp.arguments(TargetSchema)
@targets_bp.response(201, TargetSchema)
@targets_bp.alt_response(403, description="Not your rep")
@targets_bp.alt_response(409, description="A target for this user, month and currency exists")
@targets_bp.doc(security=BEARER, summary="Set a target")
def create_target(data):
    """A manager sets a monthly target for a rep of their team; admins for anyone."""
    if not _may_set_target(access(), data["user_id"]):
        raise ApiError(403, "A manager sets targets for the reps of their teams; admins for "
                            "anyone")
    if db.session.scalar(select(Target.id).where(
            Target.user_id == data["user_id"], Target.month == data["month"],
            Target.currency == data["currency"])) is not None:
        raise ApiError(409, "A target for this user, month and currency exists: change it")
    target = Target(id=new_id(), set_by=current_user.id, **data)
    db.session.add(target)
    db.session.commit()
    return target


@targets_bp.route("/<uuid:key>", methods=["GET"])
@jwt_required()
@targets_bp.response(200, TargetSchema)
@targets_bp.alt_response(404, description="Unknown or not yours to see")
@targets_bp.doc(security=BEARER, summary="Read a target")
def read_target(key):
    """One target."""
    return _target_or_404(key, access())


class TargetChangeSchema(Schema):
    amount = fields.Decimal(places=2, as_string=False, allow_nan=False, required=True,
                            validate=validate.Range(min=0, max=10**13))


@targets_bp.route("/<uuid:key>", methods=["PATCH"])
@jwt_required()
@targets_bp.arguments(patch_schema(TargetChangeSchema))
@targets_bp.response(200, TargetSchema)
@targets_bp.alt_response(403, description="Not your rep")
@targets_bp.alt_response(404, description="Unknown or not yours to see")
@targets_bp.doc(security=BEARER, summary="Change a target's amount")
def update_target(data, key):
    """Change the amount (user, month and currency identify the target)."""
    user_access = access()
    target = _target_or_404(key, user_access)
    if not _may_set_target(user_access, target.user_id):
        raise ApiError(403, "Only the rep's manager or an admin changes a target")
    if "amount" in data:
        target.amount = data["amount"]
        target.set_by = current_user.id
        target.updated_at = datetime.now(UTC)
    db.session.commit()
    return target


@targets_bp.route("/<uuid:key>", methods=["DELETE"])
@jwt_required()
@targets_bp.response(204)
@targets_bp.alt_response(403, description="Not your rep")
@targets_bp.alt_response(404, description="Unknown or not yours to see")
@targets_bp.doc(security=BEARER, summary="Remove a target")
def delete_target(key):
    """Remove a target (coverage becomes null)."""
    user_access = access()
    target = _target_or_404(key, user_access)
    if not _may_set_target(user_access, target.user_id):
        raise ApiError(403, "Only the rep's manager or an admin removes a target")
    db.session.delete(target)
    db.session.commit()
