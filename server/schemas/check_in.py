from datetime import UTC

from marshmallow import ValidationError, fields, validate, validates_schema

from .common import SyncedSchema, choice, uuid_ref

CHECK_IN_KINDS = ("in", "out")
# Why a check-in has no position, or one not to trust: the Geolocation API's three
# errors (PERMISSION_DENIED, POSITION_UNAVAILABLE, TIMEOUT), and a fix too coarse to
# place the rep at a site (kept, with its coordinates).
NO_POSITION_REASONS = ("denied", "unavailable", "timeout", "low_accuracy")
# The largest accuracy radius a phone reports that is still a position at all.
MAX_ACCURACY_M = 1_000_000


def _degrees(limit, **kwargs):
    return fields.Float(allow_none=True, allow_nan=False,
                        validate=validate.Range(-limit, limit), **kwargs)


def latitude(**kwargs):
    """WGS84 latitude in degrees, -90 to 90."""
    return _degrees(90, **kwargs)


def longitude(**kwargs):
    """WGS84 longitude in degrees, -180 to 180."""
    return _degrees(180, **kwargs)


def _server_filled(field, description):
    field.metadata["description"] = f"{description} Set by the server: a value sent is replaced."
    return field


class CheckInSchema(SyncedSchema):
    """A check-in or check-out. Created, never changed (server/check_ins.py)."""

    customer_id = uuid_ref(required=True)
    visit_id = uuid_ref(allow_none=True)
    user_id = fields.String(dump_only=True)
    kind = choice(CHECK_IN_KINDS, required=True)
    device_at = fields.AwareDateTime(required=True, default_timezone=UTC,
                                     metadata={"description": "The phone's clock at the tap."})
    latitude = latitude()
    longitude = longitude()
    accuracy_m = fields.Float(allow_none=True, allow_nan=False,
                              validate=validate.Range(0, MAX_ACCURACY_M))
    no_position_reason = choice(NO_POSITION_REASONS, allow_none=True)
    received_at = _server_filled(fields.AwareDateTime(allow_none=True, default_timezone=UTC),
                                 "When the server first received the check-in.")
    distance_m = _server_filled(fields.Float(allow_none=True, allow_nan=False),
                                "Metres to the customer's recorded location, when both exist.")
    far = _server_filled(fields.Boolean(),
                         "Farther from the customer than FIELDBOOK_CHECKIN_FAR_METERS.")

    @validates_schema
    def _position_or_reason(self, data, partial=False, **_kwargs):
        """Coordinates come as a pair; without them the check-in says why."""
        if partial:
            return  # a change, refused as such by the check_ins hook
        has = [data.get(name) is not None for name in ("latitude", "longitude")]
        reason = data.get("no_position_reason")
        if has[0] != has[1]:
            raise ValidationError("Latitude and longitude come together.",
                                  "longitude" if has[0] else "latitude")
        if not has[0] and reason in (None, "low_accuracy"):
            raise ValidationError("Without a position, say why: denied, unavailable or "
                                  "timeout.", "no_position_reason")
        if has[0] and reason not in (None, "low_accuracy"):
            raise ValidationError("A check-in with a position has no such reason.",
                                  "no_position_reason")
