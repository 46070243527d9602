from marshmallow import ValidationError, fields, validate, validates_schema

from ..domain import LOST_REASONS
from .common import SyncedSchema, choice, text, uuid_ref

PROMOTION_KINDS = ("promote", "lost")
PROMOTION_STATUSES = ("pending", "approved", "rejected", "withdrawn")


class PromotionSchema(SyncedSchema):
    """A stage-promotion request and its decision.

    Devices write the request fields, and ``status`` (+ ``decision_comment``) to decide
    or withdraw; who may do which is checked by the ``promotions`` hooks
    (server/promotions.py). ``requested_by``, ``evidence_warnings``, ``decided_by`` and
    ``decided_at`` are the server's.
    """

    customer_id = uuid_ref(required=True)
    opportunity_id = uuid_ref(required=True)
    requested_by = fields.String(dump_only=True)
    kind = fields.String(validate=validate.OneOf(PROMOTION_KINDS))
    from_milestone = fields.Integer(required=True, validate=validate.Range(1, 20))
    to_milestone = fields.Integer(allow_none=True, validate=validate.Range(1, 20))
    lost_reason = choice(LOST_REASONS, allow_none=True)
    lost_note = text(4000)
    criteria_met = fields.List(fields.Integer(validate=validate.Range(0, 29)),
                               validate=validate.Length(max=30))
    justification = text(4000)
    skip_reason = text(2000)
    visit_ids = fields.List(uuid_ref(), validate=validate.Length(max=50))
    contact_ids = fields.List(uuid_ref(), validate=validate.Length(max=50))
    evidence_warnings = fields.List(fields.String(), dump_only=True)
    status = fields.String(validate=validate.OneOf(PROMOTION_STATUSES))
    decided_by = fields.String(dump_only=True)
    decided_at = fields.AwareDateTime(dump_only=True)
    decision_comment = text(4000)

    @validates_schema
    def _unique_lists(self, data, **_kwargs):
        for name in ("criteria_met", "visit_ids", "contact_ids"):
            values = data.get(name) or []
            if len(set(values)) != len(values):
                raise ValidationError("Each entry only once.", name)
