"""The stage template (milestones) and conflict records.

Everyone reads the template; only admins change it (the access policy refuses others).
Conflicts are written by the sync engine; people read them and close them.
"""

from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..models import Conflict, Stage
from ..schemas import ConflictSchema, StageSchema
from ..schemas.common import uuid_ref
from . import resource
from .listing import ListArgs
from .resource import Resource

bp = Blueprint("stages", __name__, url_prefix="/api/v1/stages",
               description="The pipeline's milestones (admins edit)")
conflicts_bp = Blueprint("conflicts", __name__, url_prefix="/api/v1/conflicts",
                         description="Values that lost a concurrent edit: read and close")


class StageFilters(ListArgs):
    pass


class ConflictFilters(ListArgs):
    customer_id = uuid_ref()
    record_id = uuid_ref()
    table_name = fields.String(validate=validate.Length(max=40))
    status = fields.String(validate=validate.OneOf(["open", "resolved", "dismissed"]))


stages = Resource(
    "stages", Stage, StageSchema, StageFilters,
    search_columns=(Stage.key, Stage.name_en, Stage.name_zh),
    order_by=(Stage.number,), scope_column=None)

conflicts = Resource(
    "conflicts", Conflict, ConflictSchema, ConflictFilters,
    search_columns=(Conflict.table_name,), order_by=(Conflict.created_at.desc(),))

resource.register(bp, stages, "stages")
# PATCH {"status": "resolved"|"dismissed"} closes a conflict; nothing else is writable.
resource.register(conflicts_bp, conflicts, "conflicts", writable=False, deletable=False)
