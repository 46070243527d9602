"""Visit plans (拜访计划): who plans for whom, and a logged visit marking its plan done.

The rules are sync-engine hooks (server/sync_registry.py), so a REST call and a phone's
push meet them alike, inside the same ChangeSet:

- ``plan_before_write``: a rep plans for themselves only, a manager for themselves and
  their teams' members, an admin for any active user; a plan's rep must see its
  customer (a plan they could not see would never reach their phone).
- ``visit_before_write``: a visit's ``plan_id`` names a live plan of the same customer
  that the writer may carry out.
- ``visit_after_write``: a visit logged with a ``plan_id`` marks the plan done and links
  it (``visit_id``), unless another visit did so first.

Planned against done is then a plain count of plans by status.
"""

import sqlalchemy as sa

from sync.engine import Rejected

from .access import Access
from .models import User, VisitPlan

PLANS = VisitPlan.__table__


def on_create(policy, values):
    """A new plan is the writer's, and planned, unless it says otherwise."""
    return {"rep_id": policy.user_id, "status": "planned"}


def check_planner(policy, session, rep_id):
    """Raise Rejected unless ``policy``'s user may plan visits for ``rep_id``."""
    if rep_id == policy.user_id:
        return
    if policy.role == "rep":
        raise Rejected("forbidden", "A rep plans visits for themselves; their manager or "
                                    "an admin plans for them")
    rep = session.get(User, rep_id)
    if rep is None or not rep.active:
        raise Rejected("invalid", "No such user", {"rep_id": ["No active user with this id."]})
    if policy.role == "manager" and rep.team_id not in policy.managed_team_ids:
        raise Rejected("forbidden", "A manager plans visits only for their teams' members")


def _check_rep_sees_customer(session, rep_id, customer_id):
    rep = session.get(User, rep_id)
    if not Access.for_user(session, rep).can_read(session, "visit_plans", customer_id):
        raise Rejected("invalid", "The rep does not see this customer",
                       {"rep_id": ["This user does not see the plan's customer."]})


def plan_before_write(changes, key, before, values):
    """The ``visit_plans`` before-write hook: who plans for whom, on every write."""
    rep_id = values.get("rep_id", before and before["rep_id"])
    if before is not None and rep_id != before["rep_id"]:
        check_planner(changes.policy, changes.session, before["rep_id"])  # theirs to hand on
    check_planner(changes.policy, changes.session, rep_id)
    if before is None or rep_id != before["rep_id"]:
        customer_id = values.get("customer_id", before and before["customer_id"])
        _check_rep_sees_customer(changes.session, rep_id, customer_id)


def _plan(changes, plan_id):
    return changes.conn.execute(
        sa.select(PLANS.c.customer_id, PLANS.c.rep_id, PLANS.c.deleted, PLANS.c.status,
                  PLANS.c.visit_id).where(PLANS.c.id == plan_id)).first()


def visit_before_write(changes, key, before, values):
    """A visit's ``plan_id`` names a live plan of its own customer that is the writer's
    to carry out (a rep's own, or their reps' for a manager)."""
    plan_id = values.get("plan_id")
    if plan_id is None:
        return
    customer_id = values.get("customer_id", before and before["customer_id"])
    plan = _plan(changes, plan_id)
    if plan is None or plan.deleted or plan.customer_id != customer_id:
        raise Rejected("invalid", "No such visit plan at this customer",
                       {"plan_id": ["No live visit plan with this id at this customer."]})
    check_planner(changes.policy, changes.session, plan.rep_id)


def visit_after_write(changes, key, before, applied):
    """A visit logged from a plan marks the plan done, for every phone."""
    plan_id = applied.get("plan_id")
    if plan_id is None:
        return
    plan = _plan(changes, plan_id)
    if plan.visit_id not in (None, key) or (plan.status, plan.visit_id) == ("done", key):
        return  # another visit carried it out first, or this one already did
    changes.put("visit_plans", plan_id, {"status": "done", "visit_id": key},
                authoritative=True)
