from marshmallow import Schema, fields, validate

from ..domain import CONTACT_ROLES
from .common import SyncedSchema, bilingual_list, choice, name, text


class EvidenceRulesSchema(Schema):
    """When a promotion into this stage counts as thin on evidence (see stage_defaults)."""

    visit_in_stage = fields.Boolean()
    roles_any = fields.List(choice(CONTACT_ROLES))


class StageSchema(SyncedSchema):
    number = fields.Integer(required=True, validate=validate.Range(1, 20))
    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,39}$"))
    name_en = name(120)
    name_zh = name(120)
    probability = fields.Integer(required=True, validate=validate.Range(0, 100))
    definition_en = text(4000)
    definition_zh = text(4000)
    criteria_rule = fields.String(validate=validate.OneOf(["all", "any"]))
    criteria = bilingual_list()
    checklist = bilingual_list()
    evidence = fields.Nested(EvidenceRulesSchema)
    stall_days = fields.Integer(validate=validate.Range(1, 3650))
