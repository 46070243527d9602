from marshmallow import fields, validate

from ..domain import (
    ABC_CLASSES,
    HIGH_LOW,
    KEY_ACCOUNT_CRITERIA,
    LOYALTY,
    RELATIONSHIP_LADDER,
    SATISFACTION,
    SHORT_LONG,
)
from ..models import BACKGROUND_FIELDS, OPPORTUNITY_INFO_FIELDS
from .check_in import latitude, longitude
from .common import SyncedSchema, choice, name, text, uuid_ref


class CustomerSchema(SyncedSchema):
    owner_id = uuid_ref()
    name = name()
    city = text(100)
    address = text(300)
    latitude = latitude()
    longitude = longitude()
    phone = text(40)
    email = fields.Email(validate=validate.Length(max=254))
    website = text(300)
    industry = text(100)
    abc_class = choice(ABC_CLASSES, allow_none=True)
    loyalty = choice(LOYALTY, allow_none=True)
    relationship_level = choice(RELATIONSHIP_LADDER, allow_none=True)
    potential_profit = choice(HIGH_LOW, allow_none=True)
    payback_period = choice(SHORT_LONG, allow_none=True)
    key_account_criteria = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(KEY_ACCOUNT_CRITERIA))),
        values=fields.Integer(validate=validate.Range(1, 5)))
    is_key_account = fields.Boolean()
    notes = text()
    development_strategy = fields.String(dump_only=True)

    # 1. background and 3. sales opportunity information: plain texts
    locals().update({field: text() for field in BACKGROUND_FIELDS + OPPORTUNITY_INFO_FIELDS})


class CompetitorSchema(SyncedSchema):
    customer_id = uuid_ref(required=True)
    competitor = name()
    product = text(200)
    satisfaction = choice(SATISFACTION, allow_none=True)
    rep_name = text(120)
    selling_style = text()
    relationship = text()
