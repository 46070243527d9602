"""Pipeline figures (销售漏斗), all computed here on the server: a manager's three questions
of domain.md section 7, and the project-analysis-meeting prompts of section 6.

- funnel: open deals and amounts per milestone; conversion between milestones;
- forecast: weighted and "requested" weighted pipeline, targets and coverage;
- movement: days in the current milestone, stalled and late deals;
- reps: per-rep conversion and activity mix (bottlenecks);
- meetings: deals that meet a trigger for a project analysis meeting, with its agenda.

Money is never summed across currencies: every amount is given per currency (there is
no rate table). docs/pipeline.md defines each figure.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from .access import Access
from .extensions import sync_tables
from .models import (
    Contact,
    Customer,
    Opportunity,
    Promotion,
    Stage,
    Target,
    Team,
    User,
    Visit,
    VisitPlan,
)
from .promotions import won_milestone

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
DEFAULT_BID_DAYS = 30
DEFAULT_ACTIVITY_DAYS = 90
BAD_STANCES = ("opponent", "non_supporter")

# 工程分析会 agenda (domain.md section 6).
MEETING_AGENDA = [
    {"key": "background", "en": "Project background", "zh": "项目背景"},
    {"key": "decision_chain", "en": "Decision-chain analysis", "zh": "决策链分析"},
    {"key": "dynamics", "en": "Customer, competitor and channel dynamics",
     "zh": "客户、竞争对手和渠道动态"},
    {"key": "strengths", "en": "Our strengths and weaknesses", "zh": "我方优势与劣势"},
    {"key": "strategy", "en": "PR, product and commercial strategy", "zh": "公关、产品和商务策略"},
    {"key": "next_actions", "en": "Next actions: work, owner, time, checkpoint",
     "zh": "下一步行动:工作内容、责任人、时间、监控点"},
]
TRIGGERS = {
    "stalled": ("The project is stuck: longer in its milestone than the stage allows",
                "项目遇到障碍:在当前里程碑停留超过规定天数"),
    "late": ("The plan is late: the expected close date has passed", "计划延误:预计成交日期已过"),
    "stance_drop": ("A contact turned against us since the stage began",
                    "客户变化不利:本阶段内有联系人转为反对者或不支持者"),
    "bid_approaching": ("Bid approaching: decide the bid strategy", "投标临近:制定投标策略"),
}


class ScopeError(Exception):
    """A filter names a rep or team outside the user's scope (404)."""


@dataclass(frozen=True)
class Filters:
    """What a figure is about: whose deals, which period, as of which day, and who
    asks (``viewer``: the figures hold only what their lists hold, ``Access``)."""

    owner_ids: tuple[str, ...]
    start: date | None = None  # inclusive; None: open-ended
    end: date | None = None  # inclusive
    as_of: date | None = None
    viewer: Access | None = field(default=None, compare=False)

    def seen(self, column):
        """The viewer's scope rule on ``column`` (a customer id), None for everything."""
        return None if self.viewer is None else self.viewer.read_filter("customers", column)

    @property
    def has_period(self):
        return self.start is not None or self.end is not None

    def in_period(self, day):
        if day is None:
            return not self.has_period
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


# -- scope -------------------------------------------------------------------------------

def people_in_scope(session, access):
    """Users whose figures ``access`` may see: a rep themselves, a manager their teams'
    members and themselves, an admin everyone."""
    query = sa.select(User).order_by(User.name, User.id)
    if access.is_admin:
        return session.scalars(query).all()
    if access.role == "manager" and access.managed_team_ids:
        return session.scalars(query.where(sa.or_(
            User.id == access.user_id, User.team_id.in_(access.managed_team_ids)))).all()
    return session.scalars(query.where(User.id == access.user_id)).all()


def resolve(session, access, rep_id=None, team_id=None, month=None, start=None, end=None,
            as_of=None):
    """The Filters for a request; raises ScopeError or ValueError (bad period)."""
    people = people_in_scope(session, access)
    if team_id is not None:
        if session.get(Team, team_id) is None:
            raise ScopeError("No such team")
        people = [p for p in people if p.team_id == team_id]
        if not people and not access.is_admin:
            raise ScopeError("This team is not yours to see")
    if rep_id is not None:
        people = [p for p in people if p.id == rep_id]
        if not people:
            raise ScopeError("This rep's figures are not yours to see")
    if month is not None:
        if start is not None or end is not None:
            raise ValueError("Give either month or from/to, not both")
        start, end = month_range(month)
    if start is not None and end is not None and start > end:
        raise ValueError("from is after to")
    return Filters(tuple(p.id for p in people), start, end,
                   as_of or datetime.now(UTC).date(), access)


def month_range(month):
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


# -- loading -------------------------------------------------------------------------------

def stages(session):
    rows = session.scalars(sa.select(Stage).where(Stage.deleted.is_(False))
                           .order_by(Stage.number)).all()
    return {row.number: row for row in rows}


class _Counted:
    """A deal as the figures count it: the record, with ``owner_id`` the user whose
    pipeline it counts in (never written back)."""

    __slots__ = ("_deal", "owner_id")

    def __init__(self, deal, owner_id):
        self._deal = deal
        self.owner_id = owner_id

    def __getattr__(self, name):
        return getattr(self._deal, name)


def _deals(session, filters, open_only=True):
    """The deals the figures count, each for its owner while they see its customer, and
    otherwise (the customer was reassigned or unshared, the owner moved team) for the
    customer's owner: who sees what is read now, never remembered. Only deals of
    customers the viewer sees (the lists' rule, ``Access.read_filter``)."""
    owners = filters.owner_ids
    query = sa.select(Opportunity, Customer.owner_id).join(
        Customer, Customer.id == Opportunity.customer_id).where(
        Opportunity.deleted.is_(False), Customer.deleted.is_(False),
        sa.or_(Opportunity.owner_id.in_(owners), Customer.owner_id.in_(owners)))
    scope = filters.seen(Opportunity.customer_id)
    if scope is not None:
        query = query.where(scope)
    if open_only:
        query = query.where(Opportunity.status == "open")
    rows = session.execute(query.order_by(Opportunity.created_at, Opportunity.id)).all()
    seen = _seen_by_their_owners(session, [deal for deal, account_owner in rows
                                           if deal.owner_id != account_owner])
    counted = [_Counted(deal, deal.owner_id if deal.owner_id == account_owner
                        or deal.id in seen else account_owner)
               for deal, account_owner in rows]
    return [deal for deal in counted if deal.owner_id in owners]


def _seen_by_their_owners(session, deals):
    """Ids of ``deals`` whose owner sees the deal's customer (a share, a team), by the
    same rule as the owner's own lists: one query per owner and 500 customers."""
    by_owner = defaultdict(list)
    for deal in deals:
        by_owner[deal.owner_id].append(deal)
    seen = set()
    for owner_id, theirs in by_owner.items():
        owner = session.get(User, owner_id)
        if owner is None:
            continue
        access = Access.for_user(session, owner)
        access.prefetch_readable(session, "customers", [deal.customer_id for deal in theirs])
        seen.update(deal.id for deal in theirs
                    if access.can_read(session, "customers", deal.customer_id))
    return seen


def _names(session, ids):
    if not ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())


def money(value):
    return (value or Decimal(0)).quantize(CENT, ROUND_HALF_UP)


def weighted(amount, probability):
    return (amount or Decimal(0)) * Decimal(probability or 0) / HUNDRED


def per_currency(sums):
    """``{currency: {name: Decimal}}`` as a sorted list of rows, amounts rounded."""
    return [{"currency": currency, **{name: money(value) if isinstance(value, Decimal) else value
                                      for name, value in values.items()}}
            for currency, values in sorted(sums.items())]


def _stage_start(deal):
    return (deal.stage_entered_at or deal.created_at).date()


def days_in_stage(deal, as_of):
    return (as_of - _stage_start(deal)).days


# -- 1. funnel ---------------------------------------------------------------------------

def funnel(session, filters):
    """Open deals (expected close in the period) per milestone; conversion rates."""
    template = stages(session)
    deals = [d for d in _deals(session, filters) if filters.in_period(d.expected_close_date)]
    names = _names(session, filters.owner_ids)

    def milestones(subset):
        rows = []
        for number, stage in template.items():
            sums = defaultdict(lambda: {"count": 0, "amount": Decimal(0), "weighted": Decimal(0)})
            at = [d for d in subset if d.milestone == number]
            for deal in at:
                bucket = sums[deal.currency]
                bucket["count"] += 1
                bucket["amount"] += deal.amount or 0
                bucket["weighted"] += weighted(deal.amount, deal.probability)
            rows.append({"milestone": number, "key": stage.key, "name_en": stage.name_en,
                         "name_zh": stage.name_zh, "probability": stage.probability,
                         "count": len(at), "amounts": per_currency(sums)})
        return rows

    per_rep = [{"user_id": owner, "name": names.get(owner),
                "milestones": milestones([d for d in deals if d.owner_id == owner])}
               for owner in filters.owner_ids]
    return {"period": _period(filters), "milestones": milestones(deals), "per_rep": per_rep,
            "conversion": conversion(session, filters, template)}


def _period(filters):
    return {"from": filters.start, "to": filters.end, "as_of": filters.as_of}


def entries(session, filters):
    """``{opportunity id: (owner id, {milestone: entered at or None})}`` for every deal
    of the scope (any status): milestone 1 at creation, later ones when an approved
    promotion moved it there (a skip enters every milestone it passes). Milestones a
    deal holds without an approved promotion (imported, seeded) count as entered, at
    ``stage_entered_at`` for the current one and at an unknown time for the others."""
    deals = _deals(session, filters, open_only=False)
    result = {d.id: (d.owner_id, {1: d.created_at}) for d in deals}
    if not deals:
        return result
    approved = session.execute(sa.select(
        Promotion.opportunity_id, Promotion.from_milestone, Promotion.to_milestone,
        Promotion.decided_at).where(
        Promotion.status == "approved", Promotion.kind == "promote",
        Promotion.deleted.is_(False), Promotion.opportunity_id.in_(list(result)))
        .order_by(Promotion.decided_at)).all()
    for opportunity_id, start, to, decided_at in approved:
        entered = result[opportunity_id][1]
        for number in range(start + 1, (to or start) + 1):
            entered.setdefault(number, decided_at)
    for deal in deals:
        entered = result[deal.id][1]
        for number in range(2, deal.milestone + 1):
            entered.setdefault(number, deal.stage_entered_at if number == deal.milestone
                               else None)
    return result


def conversion(session, filters, template, owner_id=None, all_entries=None):
    """For each milestone n: of the deals that entered n (in the period, when one is
    given), how many later entered n + 1."""
    all_entries = entries(session, filters) if all_entries is None else all_entries
    rows = []
    numbers = sorted(template)
    for number, following in zip(numbers, numbers[1:], strict=False):
        cohort = [entered for owner, entered in all_entries.values()
                  if (owner_id is None or owner == owner_id) and number in entered
                  and (not filters.has_period or (entered[number] is not None
                       and filters.in_period(entered[number].date())))]
        advanced = sum(1 for entered in cohort if following in entered)
        rows.append({"from_milestone": number, "to_milestone": following,
                     "entered": len(cohort), "advanced": advanced,
                     "rate": round(advanced / len(cohort), 4) if cohort else None})
    return rows


# -- 2. forecast -------------------------------------------------------------------------

def _pending_probability(session, deals, template):
    """``{opportunity id: probability if its pending request were approved}``."""
    if not deals:
        return {}
    rows = session.execute(sa.select(Promotion.opportunity_id, Promotion.kind,
                                     Promotion.to_milestone).where(
        Promotion.status == "pending", Promotion.deleted.is_(False),
        Promotion.opportunity_id.in_([d.id for d in deals]))).all()
    result = {}
    for opportunity_id, kind, to in rows:
        if kind == "lost":
            result[opportunity_id] = 0
        elif to in template:
            result[opportunity_id] = template[to].probability
    return result


def _month(day):
    return None if day is None else f"{day.year:04d}-{day.month:02d}"


def _targets(session, filters):
    query = sa.select(Target).where(Target.user_id.in_(filters.owner_ids))
    if filters.start is not None:
        query = query.where(Target.month >= _month(filters.start))
    if filters.end is not None:
        query = query.where(Target.month <= _month(filters.end))
    return session.scalars(query).all()


def _coverage(value, target):
    if target is None or target == 0:
        return None
    return round(float(value / target), 4)


def forecast(session, filters):
    """Weighted pipeline (approved milestones) and the requested one (as if every pending
    request were approved), per currency, per rep and month, against targets."""
    template = stages(session)
    deals = [d for d in _deals(session, filters) if filters.in_period(d.expected_close_date)]
    pending = _pending_probability(session, deals, template)
    names = _names(session, filters.owner_ids)

    def empty():
        return {"count": 0, "amount": Decimal(0), "weighted": Decimal(0),
                "requested_weighted": Decimal(0)}

    totals = defaultdict(empty)
    cells = defaultdict(empty)  # (owner, month, currency)
    for deal in deals:
        requested = pending.get(deal.id, deal.probability)
        for bucket in (totals[deal.currency],
                       cells[deal.owner_id, _month(deal.expected_close_date), deal.currency]):
            bucket["count"] += 1
            bucket["amount"] += deal.amount or 0
            bucket["weighted"] += weighted(deal.amount, deal.probability)
            bucket["requested_weighted"] += weighted(deal.amount, requested)
    targets = {(t.user_id, t.month, t.currency): t.amount for t in _targets(session, filters)}
    for key in targets:
        cells.setdefault(key, empty())  # a target with no pipeline still shows (coverage 0)
    team = defaultdict(lambda: {**empty(), "target": None})
    rows = []
    for (owner, month, currency), cell in sorted(
            cells.items(), key=lambda item: (names.get(item[0][0]) or "", item[0][0],
                                             item[0][1] or "9999", item[0][2])):
        target = targets.get((owner, month, currency))
        rows.append({"user_id": owner, "name": names.get(owner), "month": month,
                     "currency": currency, "count": cell["count"], "amount": money(cell["amount"]),
                     "weighted": money(cell["weighted"]),
                     "requested_weighted": money(cell["requested_weighted"]),
                     "target": target, "coverage": _coverage(money(cell["weighted"]), target),
                     "requested_coverage": _coverage(money(cell["requested_weighted"]),
                                                     target)})
        sums = team[month, currency]
        for name in ("count", "amount", "weighted", "requested_weighted"):
            sums[name] += cell[name]
        if target is not None:
            sums["target"] = (sums["target"] or Decimal(0)) + target
    team_rows = [{"month": month, "currency": currency, "count": sums["count"],
                  "amount": money(sums["amount"]), "weighted": money(sums["weighted"]),
                  "requested_weighted": money(sums["requested_weighted"]),
                  "target": sums["target"],
                  "coverage": _coverage(money(sums["weighted"]), sums["target"]),
                  "requested_coverage": _coverage(money(sums["requested_weighted"]),
                                                  sums["target"])}
                 for (month, currency), sums in sorted(
                     team.items(), key=lambda item: (item[0][0] or "9999", item[0][1]))]
    return {"period": _period(filters), "totals": per_currency(totals), "per_rep_month": rows,
            "team_month": team_rows}


# -- 3. movement -------------------------------------------------------------------------

def _deal_row(deal, template, as_of, customers, names):
    stage = template.get(deal.milestone)
    stall_days = stage.stall_days if stage is not None else None
    days = days_in_stage(deal, as_of)
    late = deal.expected_close_date is not None and deal.expected_close_date < as_of
    return {"opportunity_id": deal.id, "name": deal.name, "customer_id": deal.customer_id,
            "customer_name": customers.get(deal.customer_id), "owner_id": deal.owner_id,
            "owner_name": names.get(deal.owner_id), "milestone": deal.milestone,
            "probability": deal.probability, "amount": money(deal.amount),
            "currency": deal.currency, "expected_close_date": deal.expected_close_date,
            "stage_started": _stage_start(deal), "days_in_stage": days, "stall_days": stall_days,
            "stalled": stall_days is not None and days > stall_days, "late": late,
            "days_late": (as_of - deal.expected_close_date).days if late else 0}


def _customers(session, deals):
    ids = {d.customer_id for d in deals}
    if not ids:
        return {}
    return dict(session.execute(sa.select(Customer.id, Customer.name)
                                .where(Customer.id.in_(sorted(ids)))).all())


def movement(session, filters):
    """Are open projects moving? Days in the current milestone, stalled and late deals."""
    template = stages(session)
    deals = [d for d in _deals(session, filters) if filters.in_period(d.expected_close_date)]
    customers, names = _customers(session, deals), _names(session, filters.owner_ids)
    rows = [_deal_row(d, template, filters.as_of, customers, names) for d in deals]
    rows.sort(key=lambda r: (-r["days_in_stage"], r["opportunity_id"]))
    summary = []
    for number, stage in template.items():
        at = [r for r in rows if r["milestone"] == number]
        summary.append({"milestone": number, "key": stage.key, "stall_days": stage.stall_days,
                        "count": len(at), "stalled": sum(r["stalled"] for r in at),
                        "late": sum(r["late"] for r in at),
                        "average_days_in_stage": round(sum(r["days_in_stage"] for r in at)
                                                       / len(at), 1) if at else None})
    return {"period": _period(filters), "milestones": summary, "deals": rows}


# -- 4. bottlenecks per rep -------------------------------------------------------------------

def _activity(session, filters, owner_ids):
    """Visits per author in the period (default: the last 90 days up to ``as_of``)."""
    start = filters.start or filters.as_of - timedelta(days=DEFAULT_ACTIVITY_DAYS)
    end = filters.end or filters.as_of
    lower = datetime.combine(start, time.min, UTC)
    upper = datetime.combine(end + timedelta(days=1), time.min, UTC)
    query = sa.select(Visit).where(
        Visit.deleted.is_(False), Visit.author_id.in_(owner_ids), Visit.occurred_at >= lower,
        Visit.occurred_at < upper)
    scope = filters.seen(Visit.customer_id)
    visits = session.scalars(query if scope is None else query.where(scope)).all()
    mix = {owner: {"visits": 0, "unplanned_visits": 0, "by_type": defaultdict(int),
                   "cost": defaultdict(Decimal),
                   "gifts": defaultdict(lambda: {"count": 0, "value": Decimal(0)}),
                   "plans": dict.fromkeys(PLAN_FIGURES, 0)}
           for owner in owner_ids}
    _count_plans(session, filters, mix, lower, upper)
    for visit in visits:
        item = mix[visit.author_id]
        item["visits"] += 1
        item["unplanned_visits"] += visit.plan_id is None
        item["by_type"][visit.type] += 1
        if visit.cost_amount:
            item["cost"][visit.cost_currency] += visit.cost_amount
        if visit.type == "gift" or visit.gift_value:
            gift = item["gifts"][visit.cost_currency]  # a gift's value is in the visit's currency
            gift["count"] += 1
            gift["value"] += visit.gift_value or 0
    return {"from": start, "to": end}, mix


# Planned against done (拜访计划): the plans of the activity window by what became of them;
# "missed" is a plan still open after its day (before as_of).
PLAN_FIGURES = ("planned", "done", "cancelled", "missed")


def _count_plans(session, filters, mix, lower, upper):
    """Add each rep's visit plans in [lower, upper) to ``mix`` (the viewer's scope)."""
    query = sa.select(VisitPlan.rep_id, VisitPlan.status, VisitPlan.planned_at).where(
        VisitPlan.deleted.is_(False), VisitPlan.rep_id.in_(list(mix)),
        VisitPlan.planned_at >= lower, VisitPlan.planned_at < upper)
    scope = filters.seen(VisitPlan.customer_id)
    today = datetime.combine(filters.as_of, time.min, UTC)
    for rep_id, status, planned_at in session.execute(
            query if scope is None else query.where(scope)):
        plans = mix[rep_id]["plans"]
        if status == "cancelled":
            plans["cancelled"] += 1
            continue
        plans["planned"] += 1
        if status == "done":
            plans["done"] += 1
        elif planned_at.replace(tzinfo=planned_at.tzinfo or UTC) < today:  # SQLite: naive
            plans["missed"] += 1


def reps(session, filters):
    """Are individual reps a bottleneck? Per-rep conversion against the whole scope's,
    open and stalled deals, and the activity mix (visits by type, cost, gifts)."""
    template = stages(session)
    all_entries = entries(session, filters)
    overall = conversion(session, filters, template, all_entries=all_entries)
    open_deals = _deals(session, filters)
    names = _names(session, filters.owner_ids)
    window, mix = _activity(session, filters, filters.owner_ids)
    result = []
    for owner in filters.owner_ids:
        mine = conversion(session, filters, template, owner_id=owner, all_entries=all_entries)
        for row, base in zip(mine, overall, strict=True):
            row["scope_rate"] = base["rate"]
            row["below_scope"] = (row["rate"] is not None and base["rate"] is not None
                                  and row["rate"] < base["rate"])
        deals = [d for d in open_deals if d.owner_id == owner]
        activity = mix[owner]
        result.append({
            "user_id": owner, "name": names.get(owner), "open_deals": len(deals),
            "stalled_deals": sum(1 for d in deals if d.milestone in template
                                 and days_in_stage(d, filters.as_of)
                                 > template[d.milestone].stall_days),
            "conversion": mine,
            "activity": {
                "visits": activity["visits"],
                "unplanned_visits": activity["unplanned_visits"],
                "plans": activity["plans"],
                "by_type": [{"type": kind, "count": count}
                            for kind, count in sorted(activity["by_type"].items())],
                "cost": [{"currency": c, "amount": money(v)}
                         for c, v in sorted(activity["cost"].items())],
                "gifts": [{"currency": c, "count": g["count"], "value": money(g["value"])}
                          for c, g in sorted(activity["gifts"].items())]}})
    return {"period": _period(filters), "activity_period": window, "conversion": overall,
            "reps": result}


def _aware(moment):
    # SQLite hands back the audit trail's UTC times without their zone.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


# -- 5. project analysis meeting prompts -------------------------------------------------------

def _stance_drops(session, deals):
    """``{opportunity id: [contacts that turned opponent/non-supporter, or were added as
    one, since its stage began]}``, from the audit trail of contacts."""
    if not deals:
        return {}
    log = sync_tables.change_log
    earliest = min(d.stage_entered_at or d.created_at for d in deals)
    rows = session.execute(sa.select(log.c.record_id, log.c.customer_id, log.c.changes,
                                     log.c.at, log.c.user_id).where(
        log.c.table_name == "contacts", log.c.op.in_(("create", "update")),
        log.c.customer_id.in_(sorted({d.customer_id for d in deals})), log.c.at >= earliest)
        .order_by(log.c.seq)).all()
    drops = [{"contact_id": row.record_id, "customer_id": row.customer_id,
              "stance": row.changes["stance"], "at": _aware(row.at)}
             for row in rows if (row.changes or {}).get("stance") in BAD_STANCES]
    names = dict(session.execute(sa.select(Contact.id, Contact.name).where(
        Contact.id.in_(sorted({d["contact_id"] for d in drops})))).all()) if drops else {}
    result = defaultdict(list)
    for deal in deals:
        began = deal.stage_entered_at or deal.created_at
        for drop in drops:
            if drop["customer_id"] == deal.customer_id and drop["at"] >= began:
                result[deal.id].append({"contact_id": drop["contact_id"],
                                        "contact_name": names.get(drop["contact_id"]),
                                        "stance": drop["stance"], "at": drop["at"]})
    return result


def meetings(session, filters, bid_days=DEFAULT_BID_DAYS):
    """Open deals that meet a trigger for a project analysis meeting (工程分析会)."""
    template = stages(session)
    deals = [d for d in _deals(session, filters) if filters.in_period(d.expected_close_date)]
    customers, names = _customers(session, deals), _names(session, filters.owner_ids)
    drops = _stance_drops(session, deals)
    as_of, horizon = filters.as_of, filters.as_of + timedelta(days=bid_days)
    prompts = []
    for deal in deals:
        row = _deal_row(deal, template, as_of, customers, names)
        triggers = []
        if row["stalled"]:
            triggers.append({"trigger": "stalled", "detail": {
                "days_in_stage": row["days_in_stage"], "stall_days": row["stall_days"]}})
        if row["late"]:
            triggers.append({"trigger": "late", "detail": {"days_late": row["days_late"]}})
        if drops.get(deal.id):
            triggers.append({"trigger": "stance_drop", "detail": {"contacts": drops[deal.id]}})
        close = deal.expected_close_date
        if deal.milestone >= 4 and close is not None and as_of <= close <= horizon:
            triggers.append({"trigger": "bid_approaching",
                             "detail": {"days_to_close": (close - as_of).days}})
        for trigger in triggers:
            trigger["en"], trigger["zh"] = TRIGGERS[trigger["trigger"]]
        if triggers:
            prompts.append({**row, "triggers": triggers, "agenda": MEETING_AGENDA})
    prompts.sort(key=lambda p: (-len(p["triggers"]), -p["days_in_stage"], p["opportunity_id"]))
    return {"period": _period(filters), "bid_days": bid_days, "meetings": prompts}


__all__ = ["MEETING_AGENDA", "ScopeError", "conversion", "entries", "forecast", "funnel",
           "meetings", "movement", "people_in_scope", "reps", "resolve", "won_milestone"]
