import re

from marshmallow import Schema, ValidationError, fields, validates

from .common import currency, money, uuid_ref

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class TargetSchema(Schema):
    """A monthly target (销售目标) for one user in one currency."""

    id = uuid_ref(dump_only=True)
    user_id = uuid_ref(required=True)
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    currency = currency(load_default="CNY")
    amount = money(required=True)
    set_by = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    @validates("month")
    def _month(self, value, **_kwargs):
        if not MONTH.match(value):
            raise ValidationError("A month as YYYY-MM.")
