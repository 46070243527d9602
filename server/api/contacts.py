"""Contacts (the decision chain) and their personal data (个人资料).

Personal data has its own collection because its rule is stricter: the owner rep,
their manager and admins; never a rep the customer is shared with.
"""

from flask_smorest import Blueprint
from sqlalchemy import String, cast

from ..domain import CONTACT_LEVELS, CONTACT_ROLES, STANCES
from ..models import PERSONAL_FIELDS, Contact, ContactPersonal
from ..schemas import ContactPersonalSchema, ContactSchema
from ..schemas.common import choice, uuid_ref
from . import resource
from .listing import ListArgs, like
from .resource import Resource

bp = Blueprint("contacts", __name__, url_prefix="/api/v1/contacts",
               description="The decision chain: contacts at a customer")
personal_bp = Blueprint("contact_personal", __name__, url_prefix="/api/v1/contact-personal",
                        description="Contacts' personal data: owner rep, their manager, admins")


class ContactFilters(ListArgs):
    customer_id = uuid_ref()
    level = choice(CONTACT_LEVELS)
    stance = choice(STANCES)
    role = choice(CONTACT_ROLES, metadata={"description": "has this role in the purchase"})
    reports_to_id = uuid_ref()


class PersonalFilters(ListArgs):
    customer_id = uuid_ref()


def _has_role(role):
    # roles is a JSON list of vocabulary words; its text form contains '"role"' exactly
    # when the list does, on SQLite and PostgreSQL alike.
    return cast(Contact.roles, String).like(like(f'"{role}"'), escape="\\")


contacts = Resource(
    "contacts", Contact, ContactSchema, ContactFilters,
    search_columns=(Contact.name, Contact.title, Contact.department, Contact.email),
    order_by=(Contact.name,), special_filters={"role": _has_role})

personal = Resource(
    "contact_personal", ContactPersonal, ContactPersonalSchema, PersonalFilters,
    search_columns=tuple(getattr(ContactPersonal, name) for name in PERSONAL_FIELDS))


resource.register(bp, contacts, "contacts")
# A new record's id must be that of a live contact of the same customer: the sync
# engine's rule for records that share their id (TableSpec.deleted_with), on every path.
resource.register(personal_bp, personal, "contacts' personal data")
