"""Visits (sales activities) and the next actions (tasks) they create."""

from flask_smorest import Blueprint
from marshmallow import fields

from ..domain import ACTIVITY_TYPES
from ..models import Task, Visit
from ..schemas import TaskSchema, VisitSchema
from ..schemas.common import choice, uuid_ref
from . import resource
from .listing import ListArgs
from .resource import Resource

visits_bp = Blueprint("visits", __name__, url_prefix="/api/v1/visits",
                      description="Visits and other sales activities")
tasks_bp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks",
                     description="Next actions: what, who, by when, checkpoint")


class VisitFilters(ListArgs):
    customer_id = uuid_ref()
    opportunity_id = uuid_ref()
    author_id = uuid_ref()
    type = choice(ACTIVITY_TYPES)
    occurred_from = fields.AwareDateTime(metadata={"description": "occurred at or after"})
    occurred_to = fields.AwareDateTime(metadata={"description": "occurred before"})


class TaskFilters(ListArgs):
    customer_id = uuid_ref()
    visit_id = uuid_ref()
    assignee_id = uuid_ref()
    done = fields.Boolean()
    due_before = fields.Date(metadata={"description": "due on or before"})


visits = Resource(
    "visits", Visit, VisitSchema, VisitFilters,
    search_columns=(Visit.purpose, Visit.notes, Visit.outcome),
    order_by=(Visit.occurred_at.desc(),),
    special_filters={"occurred_from": lambda when: Visit.occurred_at >= when,
                     "occurred_to": lambda when: Visit.occurred_at < when})

tasks = Resource(
    "tasks", Task, TaskSchema, TaskFilters,
    search_columns=(Task.what, Task.who, Task.checkpoint),
    order_by=(Task.done, Task.due_date),
    special_filters={"due_before": lambda day: Task.due_date <= day})

resource.register(visits_bp, visits, "visits")
resource.register(tasks_bp, tasks, "tasks")
