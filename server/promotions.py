"""Stage promotions (evidence-based stage gates): the rules, as sync-engine hooks.

A promotion request is a synced record (table ``promotions``), so a rep requests and a
manager decides offline; every rule below runs when the write reaches the server, on
the one write path (a phone's push or a REST call alike), inside the same ChangeSet:

- ``before_write`` re-validates a request or a decision against the database as it is
  *now* and raises ``Rejected`` (``stale``, ``forbidden``, ``invalid``,
  ``read_only_field``): a push gets a ``rejected`` result, REST a 4xx.
- ``after_write`` applies an approval to the opportunity (milestone, probability,
  stage_entered_at, status) with ``authoritative`` puts, so every phone pulls it.

docs/pipeline.md describes the rules for people.
"""

from datetime import UTC, datetime

import sqlalchemy as sa

from sync.engine import Rejected, wire

from .models import Contact, Opportunity, Promotion, Stage, Team, User, Visit

# Creating a request: fields the server fills whatever the device sent.
REQUEST_FIELDS = frozenset({
    "customer_id", "opportunity_id", "kind", "from_milestone", "to_milestone", "lost_reason",
    "lost_note", "criteria_met", "justification", "skip_reason", "visit_ids", "contact_ids"})
# Changing a sent request: only these, by the right person (see _check_change).
DECISIONS = frozenset({"approved", "rejected"})
# The stage whose entry closes the deal as won (domain.md section 6: contract signed).
WON_STAGE_KEY = "contract_signed"
WON_MILESTONE_DEFAULT = 6


def on_create(policy, values):
    """Server-filled fields of a new request.

    ``decided_by`` and ``decided_at`` are left out on purpose: a field written at
    creation gets a version, and the decision that fills them later (inside a device's
    mutation, whose ``base`` cannot mention them) would then count as a conflict.
    """
    return {"requested_by": policy.user_id, "kind": "promote", "status": "pending",
            "evidence_warnings": [], "decision_comment": "", "criteria_met": [],
            "visit_ids": [], "contact_ids": [], "justification": "", "skip_reason": "",
            "lost_note": "", "lost_reason": None, "to_milestone": None}


# -- reading the current state (Core, on the ChangeSet's connection: always fresh) ------

def _row(changes, model, key):
    table = model.__table__
    row = changes.conn.execute(sa.select(table).where(table.c.id == key)).first()
    return None if row is None else row._asdict()


def _stages(changes):
    table = Stage.__table__
    rows = changes.conn.execute(sa.select(table).where(table.c.deleted.is_(False))
                                .order_by(table.c.number)).all()
    return {row.number: row._asdict() for row in rows}


def won_milestone(stages):
    """The milestone from which a deal counts as won (contract signed)."""
    for number, stage in stages.items():
        if stage["key"] == WON_STAGE_KEY:
            return number
    return WON_MILESTONE_DEFAULT


def _now(changes):
    return datetime.fromtimestamp(changes.now(), UTC)


def _stage_start(opportunity):
    return opportunity["stage_entered_at"] or opportunity["created_at"]


def manager_of(session, user_id):
    """The manager of ``user_id``'s team, or None."""
    user = session.get(User, user_id)
    if user is None or user.team_id is None:
        return None
    team = session.get(Team, user.team_id)
    return team.manager_id if team is not None else None


def may_decide(policy, session, promotion, opportunity):
    """Admins, or the manager of the opportunity owner's team; never the requester."""
    if policy.user_id == promotion["requested_by"]:
        return False
    if policy.role == "admin":
        return True
    return policy.role == "manager" and manager_of(session, opportunity["owner_id"]) \
        == policy.user_id


def _may_request(policy, session, opportunity):
    """A rep for their own opportunities; the owner's manager, or an admin."""
    if opportunity["owner_id"] == policy.user_id or policy.role == "admin":
        return True
    return policy.role == "manager" and manager_of(session, opportunity["owner_id"]) \
        == policy.user_id


def _check_still_current(opportunity, from_milestone, what):
    """``stale`` unless the opportunity is open and still at ``from_milestone``."""
    if opportunity is None or opportunity["deleted"]:
        raise Rejected("stale", f"{what}: the opportunity was deleted")
    if opportunity["status"] != "open":
        raise Rejected("stale", f"{what}: the opportunity is {opportunity['status']} already")
    if opportunity["milestone"] != from_milestone:
        raise Rejected("stale", f"{what}: the opportunity is at milestone "
                                f"{opportunity['milestone']} now, not {from_milestone}")


# -- creating a request ---------------------------------------------------------------

def _check_request(changes, key, values):
    """Validate a new request against the database; fill in evidence warnings."""
    if values.get("status", "pending") != "pending":
        raise Rejected("read_only_field", "A new request is always pending; a decision is "
                                          "a later change by a manager")
    opportunity = _row(changes, Opportunity, values["opportunity_id"])
    if opportunity is None or opportunity["customer_id"] != values["customer_id"]:
        raise Rejected("invalid", "No such opportunity at this customer",
                       {"opportunity_id": ["Unknown opportunity for this customer."]})
    if not _may_request(changes.policy, changes.session, opportunity):
        raise Rejected("forbidden", "A rep requests promotions for their own opportunities; "
                                    "their manager or an admin may too")
    _check_still_current(opportunity, values["from_milestone"], "Request is out of date")
    _check_one_pending(changes, key, values["opportunity_id"])
    stages = _stages(changes)
    if values["kind"] == "lost":
        if not values.get("lost_reason"):
            raise Rejected("invalid", "A lost request needs a reason",
                           {"lost_reason": ["Required when kind is lost."]})
        values["to_milestone"] = None
        values["criteria_met"] = []
        values["evidence_warnings"] = []
    else:
        stage = _check_target(values, stages)
        _check_criteria(stage, values.get("criteria_met") or [])
        _check_links(changes, values)
        values["evidence_warnings"] = evidence_warnings(changes, opportunity, stage, values)
        values["lost_reason"] = None


def _check_one_pending(changes, key, opportunity_id):
    table = Promotion.__table__
    other = changes.conn.scalar(sa.select(table.c.id).where(
        table.c.opportunity_id == opportunity_id, table.c.status == "pending",
        table.c.deleted.is_(False), table.c.id != key).limit(1))
    if other is not None:
        raise Rejected("stale", "Another promotion request for this opportunity is pending "
                                f"({other}); wait for its decision or withdraw it")


def _check_target(values, stages):
    to, start = values.get("to_milestone"), values["from_milestone"]
    if to is None:
        raise Rejected("invalid", "Which milestone?", {"to_milestone": ["Required."]})
    if to not in stages:
        raise Rejected("invalid", f"No milestone {to} in the stage template",
                       {"to_milestone": ["Unknown milestone."]})
    if to <= start:
        raise Rejected("invalid", "A promotion moves forward",
                       {"to_milestone": ["Must be after from_milestone."]})
    if to != start + 1 and not (values.get("skip_reason") or "").strip():
        raise Rejected("invalid", "Skipping milestones needs a reason",
                       {"skip_reason": [f"Required to go from {start} to {to}."]})
    return stages[to]


def _check_criteria(stage, met):
    count = len(stage["criteria"] or [])
    wrong = [index for index in met if index >= count]
    if wrong:
        raise Rejected("invalid", f"Milestone {stage['number']} has {count} criteria",
                       {"criteria_met": [f"Unknown criterion {i}." for i in wrong]})
    if count == 0:
        return
    if stage["criteria_rule"] == "any" and not met:
        raise Rejected("invalid", f"Meet at least one criterion of milestone {stage['number']}",
                       {"criteria_met": ["At least one criterion."]})
    if stage["criteria_rule"] != "any" and set(met) != set(range(count)):
        missing = sorted(set(range(count)) - set(met))
        raise Rejected("invalid", f"Milestone {stage['number']} needs every criterion met",
                       {"criteria_met": [f"Criterion {i} is not met." for i in missing]})


def _check_links(changes, values):
    """Linked visits and contacts must be live records of the same customer."""
    for field, model in (("visit_ids", Visit), ("contact_ids", Contact)):
        ids = values.get(field) or []
        if not ids:
            continue
        table = model.__table__
        found = set(changes.conn.scalars(sa.select(table.c.id).where(
            table.c.id.in_(ids), table.c.customer_id == values["customer_id"],
            table.c.deleted.is_(False))))
        unknown = [key for key in ids if key not in found]
        if unknown:
            raise Rejected("invalid", f"Unknown {field.removesuffix('_ids')}s for this customer",
                           {field: [f"Unknown: {key}." for key in unknown]})


def evidence_warnings(changes, opportunity, stage, values):
    """Thin evidence for the target stage's rules: warnings for the manager, no refusal.

    - ``no_visit_in_stage``: the stage wants a visit, and no visit linked to the request
      or to the opportunity happened since the opportunity entered its current stage;
    - ``missing_role:<r1>|<r2>``: the stage wants a contact with one of these roles,
      and none of the linked contacts (or attendees of the visits counted) has one.
    """
    rules = stage["evidence"] or {}
    visits = Visit.__table__
    linked = sa.or_(visits.c.id.in_(values.get("visit_ids") or []),
                    visits.c.opportunity_id == opportunity["id"])
    in_stage = changes.conn.execute(sa.select(visits.c.id, visits.c.contact_ids).where(
        linked, visits.c.deleted.is_(False), visits.c.customer_id == opportunity["customer_id"],
        visits.c.occurred_at >= _stage_start(opportunity))).all()
    warnings = []
    if rules.get("visit_in_stage") and not in_stage:
        warnings.append("no_visit_in_stage")
    wanted = rules.get("roles_any") or []
    if wanted:
        contact_ids = set(values.get("contact_ids") or [])
        for row in in_stage:
            contact_ids.update(row.contact_ids or [])
        contacts = Contact.__table__
        roles = set()
        if contact_ids:
            for contact_roles in changes.conn.scalars(sa.select(contacts.c.roles).where(
                    contacts.c.id.in_(sorted(contact_ids)), contacts.c.deleted.is_(False))):
                roles.update(contact_roles or [])
        if not roles & set(wanted):
            warnings.append("missing_role:" + "|".join(wanted))
    return warnings


# -- changing a request: withdraw, decide ----------------------------------------------

def _changed(before, values):
    return {name for name, value in values.items() if wire(value) != wire(before.get(name))}


def _check_change(changes, before, values):
    """A sent request is decided or withdrawn; its request fields are frozen."""
    changed = _changed(before, values)
    frozen = sorted(changed - {"status", "decision_comment"})
    if frozen:
        raise Rejected("read_only_field", "A sent request cannot be changed (withdraw it and "
                                          f"send a new one): {', '.join(frozen)}")
    if "status" not in changed:
        if changed:
            raise Rejected("read_only_field", "The comment is written with the decision")
        return
    status, policy = values["status"], changes.policy
    if before["status"] != "pending":
        raise Rejected("stale", f"The request was {before['status']} already")
    if status == "withdrawn":
        if policy.user_id != before["requested_by"]:
            raise Rejected("forbidden", "Only the requester withdraws a request")
        return
    if status not in DECISIONS:
        raise Rejected("invalid", "A request goes from pending to approved, rejected or "
                                  "withdrawn", {"status": ["Not a decision."]})
    opportunity = _row(changes, Opportunity, before["opportunity_id"])
    if opportunity is None or not may_decide(policy, changes.session, before, opportunity):
        raise Rejected("forbidden", "The requester's manager or an admin decides, and nobody "
                                    "decides their own request")
    _check_still_current(opportunity, before["from_milestone"], "Decision is out of date")
    comment = values.get("decision_comment") or before["decision_comment"] or ""
    if status == "rejected" and not comment.strip():
        raise Rejected("invalid", "Say why the request is rejected",
                       {"decision_comment": ["Required to reject."]})
    values["decided_by"] = policy.user_id
    values["decided_at"] = _now(changes)


def before_write(changes, key, before, values):
    """The ``promotions`` before-write hook (TableSpec.before_write)."""
    if before is None:
        _check_request(changes, key, values)
    else:
        _check_change(changes, before, values)


def after_write(changes, key, before, applied):
    """An approval moves the opportunity, in the same ChangeSet, for every phone."""
    if before is None or applied.get("status") != "approved":
        return
    promotion = {**before, **applied}
    fields = approval_effect(changes, promotion)
    changes.put("opportunities", promotion["opportunity_id"], fields, authoritative=True)


def approval_effect(changes, promotion):
    """The opportunity's new server-authoritative fields once ``promotion`` is approved."""
    if promotion["kind"] == "lost":
        return {"status": "lost", "probability": 0, "lost_reason": promotion["lost_reason"],
                "lost_note": promotion["lost_note"] or ""}
    stages = _stages(changes)
    to = promotion["to_milestone"]
    fields = {"milestone": to, "probability": stages[to]["probability"],
              "stage_entered_at": _now(changes)}
    if to >= won_milestone(stages):
        fields["status"] = "won"
    return fields


# -- history of one opportunity -------------------------------------------------------

def history(session, opportunity):
    """Who requested, who decided, when and why; and every other change of the deal.

    Built from the promotion records (tombstoned ones included: they were history) and
    the audit trail (``change_log``, looked up by the deal's customer, as it is indexed),
    oldest first.
    """
    from .extensions import sync_tables

    opportunity_id = opportunity.id
    promotions = session.scalars(sa.select(Promotion).where(
        Promotion.opportunity_id == opportunity_id).order_by(Promotion.created_at.desc(),
                                                              Promotion.id)).all()
    log = sync_tables.change_log
    by_promotion = {p.id: p for p in promotions}
    clause = sa.and_(log.c.table_name == "opportunities", log.c.record_id == opportunity_id)
    if by_promotion:
        clause = sa.or_(clause, sa.and_(log.c.table_name == "promotions",
                                        log.c.record_id.in_(list(by_promotion))))
    entries = session.execute(sa.select(log).where(
        log.c.customer_id == opportunity.customer_id, clause).order_by(log.c.seq)).all()
    names = dict(session.execute(sa.select(User.id, User.name)).all())
    events = []
    for entry in entries:
        event = _event(entry, by_promotion.get(entry.record_id))
        if event is not None:
            at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)  # SQLite
            events.append({**event, "at": at, "seq": entry.seq, "user_id": entry.user_id,
                           "user_name": names.get(entry.user_id), "client_id": entry.client_id,
                           "record_id": entry.record_id, "table": entry.table_name})
    return {"opportunity_id": opportunity_id, "promotions": promotions, "events": events}


def _event(entry, promotion):
    changes = entry.changes or {}
    if entry.table_name == "opportunities":
        kind = {"create": "created", "delete": "deleted"}.get(entry.op, "changed")
        return {"event": kind, "fields": changes}
    if entry.op == "create":
        keep = ("kind", "from_milestone", "to_milestone", "lost_reason", "lost_note",
                "criteria_met", "justification", "skip_reason", "visit_ids", "contact_ids",
                "evidence_warnings")
        return {"event": "requested", "promotion_id": promotion.id,
                "fields": {name: changes.get(name) for name in keep if name in changes}}
    if entry.op == "delete":
        return {"event": "request_deleted", "promotion_id": promotion.id, "fields": {}}
    if "status" in changes:
        fields = {name: changes[name] for name in ("status", "decision_comment")
                  if name in changes}
        return {"event": changes["status"], "promotion_id": promotion.id, "fields": fields}
    return None
