"""marshmallow schemas, one module per resource; shared by the REST API and the sync engine."""

from .check_in import CheckInSchema
from .conflict import ConflictSchema
from .contact import ContactPersonalSchema, ContactSchema
from .customer import CompetitorSchema, CustomerSchema
from .lead import LeadSchema
from .opportunity import OpportunitySchema
from .promotion import PromotionSchema
from .stage import StageSchema
from .target import TargetSchema
from .visit import TaskSchema, VisitSchema
from .visit_plan import VisitPlanSchema

__all__ = ["CheckInSchema", "CompetitorSchema", "ConflictSchema", "ContactPersonalSchema",
           "ContactSchema",
           "CustomerSchema", "LeadSchema", "OpportunitySchema", "PromotionSchema", "StageSchema",
           "TargetSchema",
           "TaskSchema", "VisitPlanSchema", "VisitSchema"]
