"""Check-ins and check-outs on site (签到/签退): listed, read and created, never changed
nor deleted (server/check_ins.py)."""

from flask_smorest import Blueprint
from marshmallow import fields

from ..models import CheckIn
from ..schemas import CheckInSchema
from ..schemas.check_in import CHECK_IN_KINDS
from ..schemas.common import choice, uuid_ref
from . import resource
from .listing import ListArgs
from .resource import Resource

bp = Blueprint("check_ins", __name__, url_prefix="/api/v1/check-ins",
               description="Check-ins on site: where and when, the distance to the customer")


class CheckInFilters(ListArgs):
    customer_id = uuid_ref()
    visit_id = uuid_ref()
    user_id = uuid_ref()
    kind = choice(CHECK_IN_KINDS)
    far = fields.Boolean()


check_ins = Resource("check_ins", CheckIn, CheckInSchema, CheckInFilters,
                     search_columns=(CheckIn.no_position_reason,),
                     order_by=(CheckIn.device_at.desc(),))

# A change answers read_only_field, as it does in a push; there is no delete.
resource.register(bp, check_ins, "check-ins", deletable=False)
