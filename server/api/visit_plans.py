"""Visit plans (拜访计划) over REST, and a rep's plan as an iCalendar file."""

from datetime import UTC, datetime, timedelta

from flask import Response
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint
from icalendar import Calendar, Event
from marshmallow import fields

from ..domain import ACTIVITY_TYPES, PLAN_STATUSES
from ..extensions import db
from ..models import Customer, VisitPlan
from ..schemas import VisitPlanSchema
from ..schemas.common import choice, uuid_ref
from . import resource
from .listing import ListArgs, QueryArgs
from .resource import BEARER, Resource

bp = Blueprint("visit_plans", __name__, url_prefix="/api/v1/visit-plans",
               description="Visit plans: who visits which customer when, and why")

# What an export holds when the caller names no window: the last week and two months on.
DEFAULT_PAST = timedelta(days=7)
DEFAULT_AHEAD = timedelta(days=62)
MAX_EVENTS = 2000
PRODID = "-//Fieldbook//Visit plans//EN"
ICS_DOC = {"responses": {"200": {"content": {"text/calendar": {"schema": {"type": "string"}}}}}}


class _Window(QueryArgs):
    from_ = fields.AwareDateTime(data_key="from", metadata={"description": "planned at or after"})
    to = fields.AwareDateTime(metadata={"description": "planned before"})


class PlanFilters(ListArgs, _Window):
    customer_id = uuid_ref()
    rep_id = uuid_ref()
    status = choice(PLAN_STATUSES)
    type = choice(ACTIVITY_TYPES)


class CalendarArgs(_Window):
    rep_id = uuid_ref(metadata={"description": "whose plan (default: yours)"})


WINDOW = {"from_": lambda when: VisitPlan.planned_at >= when,
          "to": lambda when: VisitPlan.planned_at < when}

plans = Resource(
    "visit_plans", VisitPlan, VisitPlanSchema, PlanFilters,
    search_columns=(VisitPlan.purpose,),
    order_by=(VisitPlan.planned_at,),
    special_filters=WINDOW)


@bp.route("/calendar.ics", methods=["GET"])
@jwt_required()
@bp.arguments(CalendarArgs, location="query")
@bp.response(200)
@bp.doc(security=BEARER, summary="A rep's visit plans as iCalendar", **ICS_DOC)
def calendar(args):
    """The plans you see for one rep (you, by default), cancelled ones left out, as an
    RFC 5545 file a phone's calendar opens. Window: ``from`` (default a week ago) to
    ``to`` (default two months after ``from``)."""
    start = args.get("from_") or datetime.now(UTC) - DEFAULT_PAST
    end = args.get("to") or start + DEFAULT_AHEAD
    query = resource.visible(plans, resource.access()).where(
        VisitPlan.rep_id == args.get("rep_id", current_user.id),
        VisitPlan.status != "cancelled", WINDOW["from_"](start), WINDOW["to"](end))
    rows = db.session.execute(
        query.add_columns(Customer.name, Customer.address)
        .join(Customer, Customer.id == VisitPlan.customer_id)
        .order_by(VisitPlan.planned_at, VisitPlan.id).limit(MAX_EVENTS)).all()
    return Response(to_ical(rows), mimetype="text/calendar", headers={
        "Content-Disposition": 'attachment; filename="visit-plans.ics"'})


def to_ical(rows):
    """``(plan, customer name, customer address)`` rows as one VCALENDAR (bytes, CRLF;
    the library folds long lines and escapes text per RFC 5545)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    for plan, name, address in rows:
        cal.add_component(_event(plan, name, address))
    return cal.to_ical()


def _event(plan, customer_name, address):
    event = Event()
    event.add("uid", plan.id)
    event.add("dtstamp", plan.updated_at.astimezone(UTC))
    event.add("dtstart", plan.planned_at.astimezone(UTC))
    if plan.duration_minutes:  # RFC 5545: a DTEND is later than DTSTART, or left out
        event.add("dtend", (plan.planned_at + timedelta(minutes=plan.duration_minutes))
                  .astimezone(UTC))
    event.add("summary", f"{customer_name}: {plan.purpose}" if plan.purpose else customer_name)
    en, zh = ACTIVITY_TYPES[plan.type]
    event.add("description", f"{zh} / {en}")
    if address:
        event.add("location", address)
    return event


resource.register(bp, plans, "visit plans")
