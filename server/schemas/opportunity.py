from marshmallow import fields, validate

from ..domain import BUYING_STAGES, LOST_REASONS, OPPORTUNITY_STATUSES
from .common import SyncedSchema, choice, currency, money, name, text, uuid_ref


class OpportunitySchema(SyncedSchema):
    customer_id = uuid_ref(required=True)
    owner_id = uuid_ref()
    name = name()
    amount = money()
    currency = currency()
    expected_close_date = fields.Date(allow_none=True)
    buying_stage = choice(BUYING_STAGES, allow_none=True)
    competitors = fields.List(text(200), validate=validate.Length(max=20))
    notes = text()
    # Server-authoritative: only an approved promotion changes these.
    milestone = fields.Integer(dump_only=True)
    probability = fields.Integer(dump_only=True)
    status = choice(OPPORTUNITY_STATUSES, dump_only=True)
    stage_entered_at = fields.AwareDateTime(dump_only=True)
    lost_reason = choice(LOST_REASONS, dump_only=True)
    lost_note = text(dump_only=True)
