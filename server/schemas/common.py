"""Field helpers shared by the resource schemas."""

import re

from marshmallow import Schema, ValidationError, fields, validate

from ..domain import CURRENCIES
from ..storable import FIRST_DAY, LAST_DAY

LONG_TEXT = 20000


def choice(vocabulary, **kwargs):
    return fields.String(validate=validate.OneOf(list(vocabulary)), **kwargs)


def text(max_length=LONG_TEXT, **kwargs):
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


def name(max_length=200):
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length))


class UUIDString(fields.UUID):
    """A UUID checked on the way in but kept as its canonical string, as stored."""

    def _deserialize(self, value, attr, data, **kwargs):
        return str(super()._deserialize(value, attr, data, **kwargs))


def uuid_ref(**kwargs):
    return UUIDString(**kwargs)


def money(*rules, **kwargs):
    """An amount of money (two decimals, 0 to 10^13), with any further ``rules``."""
    return fields.Decimal(places=2, as_string=False, allow_nan=False,
                          validate=[validate.Range(min=0, max=10**13), *rules], **kwargs)


def currency(**kwargs):
    return fields.String(validate=validate.OneOf(CURRENCIES), **kwargs)


MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _storable_month(value):
    if not (MONTH.match(value) and FIRST_DAY.year <= int(value[:4]) <= LAST_DAY.year):
        raise ValidationError(f"A month as YYYY-MM, from {FIRST_DAY:%Y-%m} to "
                              f"{LAST_DAY:%Y-%m}.")


def month(**kwargs):
    """A calendar month, ``YYYY-MM``, in the years the database stores (server/storable.py)."""
    kwargs.setdefault("metadata", {"description": "YYYY-MM"})
    return fields.String(validate=_storable_month, **kwargs)


def bilingual_list(**kwargs):
    return fields.List(fields.Dict(keys=fields.String(validate=validate.OneOf(["en", "zh"])),
                                   values=text(1000)), validate=validate.Length(max=30), **kwargs)


class SyncedSchema(Schema):
    """Columns every synced record shows; the engine owns them."""

    id = UUIDString()
    seq = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)
    created_by = fields.String(dump_only=True)
    updated_by = fields.String(dump_only=True)
