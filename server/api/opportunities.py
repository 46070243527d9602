"""Opportunities (projects) in the pipeline.

Milestone, probability and status are server-authoritative: not loadable here, so a
request that sends them gets 422. Only an approved promotion changes them.
"""

from flask_smorest import Blueprint
from marshmallow import fields

from ..domain import BUYING_STAGES, OPPORTUNITY_STATUSES
from ..models import Opportunity
from ..schemas import OpportunitySchema
from ..schemas.common import choice, uuid_ref
from . import resource
from .listing import ListArgs
from .resource import Resource

bp = Blueprint("opportunities", __name__, url_prefix="/api/v1/opportunities",
               description="Opportunities moving through the stage template's milestones")


class OpportunityFilters(ListArgs):
    customer_id = uuid_ref()
    owner_id = uuid_ref()
    status = choice(OPPORTUNITY_STATUSES)
    milestone = fields.Integer()
    buying_stage = choice(BUYING_STAGES)


opportunities = Resource(
    "opportunities", Opportunity, OpportunitySchema, OpportunityFilters,
    search_columns=(Opportunity.name,), order_by=(Opportunity.name,))

resource.register(bp, opportunities, "opportunities")
