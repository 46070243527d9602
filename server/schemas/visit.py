from datetime import UTC

from marshmallow import fields, validate

from ..domain import ACTIVITY_TYPES, GIFT_VALUE_CAP
from .common import SyncedSchema, choice, currency, money, text, uuid_ref


class VisitSchema(SyncedSchema):
    customer_id = uuid_ref(required=True)
    opportunity_id = uuid_ref(allow_none=True)
    plan_id = uuid_ref(allow_none=True)
    author_id = fields.String(dump_only=True)
    type = choice(ACTIVITY_TYPES, required=True)
    contact_ids = fields.List(uuid_ref(), validate=validate.Length(max=50))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    duration_minutes = fields.Integer(validate=validate.Range(0, 7 * 24 * 60))
    purpose = text()
    notes = text()
    outcome = text()
    cost_amount = money()
    cost_currency = currency()
    # A rule of the field, not of the schema: a schema without hooks loads a pushed
    # visit field by field (server/sync_registry.py), in a third of the time.
    gift_value = money(validate.Range(max=GIFT_VALUE_CAP, error=(
        f"A gift may be worth at most {GIFT_VALUE_CAP} (company rule).")))


class TaskSchema(SyncedSchema):
    customer_id = uuid_ref(required=True)
    visit_id = uuid_ref(allow_none=True)
    assignee_id = uuid_ref()
    what = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    who = text(120)
    due_date = fields.Date(allow_none=True)
    checkpoint = text(2000)
    done = fields.Boolean()
