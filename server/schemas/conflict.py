from marshmallow import fields, validate

from .common import SyncedSchema


class ConflictSchema(SyncedSchema):
    """Devices may only close a conflict; the engine writes everything else."""

    customer_id = fields.String(dump_only=True)
    table_name = fields.String(dump_only=True)
    record_id = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", dump_only=True)
    lost_by = fields.String(dump_only=True)
    lost_client = fields.String(dump_only=True)
    won_by = fields.String(dump_only=True)
    record = fields.Dict(dump_only=True, allow_none=True)
    status = fields.String(validate=validate.OneOf(["open", "resolved", "dismissed"]))
