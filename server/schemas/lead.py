from marshmallow import fields, validate

from ..domain import LEAD_SOURCES, LEAD_STATUSES
from .common import SyncedSchema, choice, name, text, uuid_ref


class LeadSchema(SyncedSchema):
    """A lead. Its rules across fields (a reason to disqualify, live links to qualify)
    need the database: server/leads.py checks them for REST and push alike."""

    owner_id = uuid_ref()
    name = name(120)
    company = text(200)
    phone = text(40)
    email = fields.Email(validate=validate.Length(max=254))
    source = choice(LEAD_SOURCES, allow_none=True)
    note = text()
    status = choice(LEAD_STATUSES)
    disqualify_reason = text(1000)
    qualified_customer_id = uuid_ref(allow_none=True)
    qualified_contact_id = uuid_ref(allow_none=True)
    qualified_opportunity_id = uuid_ref(allow_none=True)
