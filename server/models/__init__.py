"""All models, importable from one place: ``from server.models import Customer``."""

from .base import Base, Synced, new_id, utcnow
from .check_in import CheckIn
from .conflict import Conflict
from .contact import PERSONAL_FIELDS, Contact, ContactPersonal
from .customer import (
    BACKGROUND_FIELDS,
    OPPORTUNITY_INFO_FIELDS,
    Competitor,
    Customer,
    CustomerShare,
)
from .lead import Lead
from .opportunity import Opportunity
from .promotion import Promotion
from .stage import Stage
from .target import Target
from .throttle import LoginThrottle, RateLimitCounter
from .user import AuthSession, RevokedToken, Team, User
from .visit import Task, Visit
from .visit_plan import VisitPlan

__all__ = [
    "AuthSession", "BACKGROUND_FIELDS", "OPPORTUNITY_INFO_FIELDS", "PERSONAL_FIELDS", "Base",
    "CheckIn",
    "Competitor", "Conflict", "Contact", "ContactPersonal", "Customer", "CustomerShare", "Lead",
    "LoginThrottle", "Opportunity", "Promotion", "RateLimitCounter", "RevokedToken", "Stage",
    "Synced", "Target", "Task", "Team", "User", "Visit", "VisitPlan", "new_id", "utcnow",
]
