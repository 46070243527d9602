from marshmallow import fields, validate

from ..domain import CONTACT_LEVELS, CONTACT_ROLES, HIGH_LOW, STANCES
from ..models import PERSONAL_FIELDS
from .common import SyncedSchema, choice, name, text, uuid_ref


class ContactSchema(SyncedSchema):
    customer_id = uuid_ref(required=True)
    name = name(120)
    title = text(120)
    department = text(120)
    phone = text(40)
    email = fields.Email(validate=validate.Length(max=254))
    level = choice(CONTACT_LEVELS, allow_none=True)
    roles = fields.List(choice(CONTACT_ROLES), validate=validate.Length(max=len(CONTACT_ROLES)))
    stance = choice(STANCES, allow_none=True)
    mindshare = choice(HIGH_LOW, allow_none=True)
    heartshare = choice(HIGH_LOW, allow_none=True)
    reports_to_id = uuid_ref(allow_none=True)
    notes = text()


class ContactPersonalSchema(SyncedSchema):
    """Personal data (个人资料): ``id`` is the contact's id."""

    customer_id = uuid_ref(required=True)
    locals().update({field: text(2000) for field in PERSONAL_FIELDS})
