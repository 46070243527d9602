from marshmallow import Schema, fields

from .common import currency, money, month, uuid_ref


class TargetSchema(Schema):
    """A monthly target (销售目标) for one user in one currency."""

    id = uuid_ref(dump_only=True)
    user_id = uuid_ref(required=True)
    month = month(required=True)
    currency = currency(load_default="CNY")
    amount = money(required=True)
    set_by = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)
