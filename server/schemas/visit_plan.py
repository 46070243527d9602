from datetime import UTC

from marshmallow import fields, validate

from ..domain import ACTIVITY_TYPES, PLAN_STATUSES
from .common import SyncedSchema, choice, text, uuid_ref


class VisitPlanSchema(SyncedSchema):
    customer_id = uuid_ref(required=True)
    # Left out: the writer. Who may plan for whom: server/visit_plans.py.
    rep_id = uuid_ref()
    contact_ids = fields.List(uuid_ref(), validate=validate.Length(max=50))
    planned_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    duration_minutes = fields.Integer(validate=validate.Range(0, 24 * 60))
    purpose = text()
    type = choice(ACTIVITY_TYPES, required=True)
    status = choice(PLAN_STATUSES)
    visit_id = uuid_ref(allow_none=True)
