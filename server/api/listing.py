"""List helpers shared by every collection: query arguments, search, pagination.

A list answers ``{"items": [...], "total": n, "page": p, "page_size": s}``: the total is
in the body (not a header) so the PWA and scripts read one JSON document.
"""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, or_, select

from .. import storable

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class QueryArgs(Schema):
    """Query arguments; a date outside the years the database stores (server/storable.py)
    is refused for any argument, as a body's is: nothing computes or queries with it."""

    @validates_schema
    def _storable(self, data, **_kwargs):
        errors = storable.problems(data)
        if errors:  # under the names the request used (``from``, not ``from_``)
            sent_as = {field.attribute or name: field.data_key or name
                       for name, field in self.fields.items()}
            raise ValidationError({sent_as.get(name, name): why
                                   for name, why in errors.items()})


class ListArgs(QueryArgs):
    """``?page=&page_size=&q=``; resources subclass it to add their filters."""

    page = fields.Integer(load_default=1, validate=validate.Range(1, 10**6))
    page_size = fields.Integer(load_default=DEFAULT_PAGE_SIZE,
                               validate=validate.Range(1, MAX_PAGE_SIZE))
    q = fields.String(validate=validate.Length(1, 100),
                      metadata={"description": "case-insensitive substring search"})


def page_schema(item_schema):
    """A ``<Item>Page`` schema: the envelope of one page of ``item_schema``."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "total": fields.Integer(metadata={"description": "matching records, all pages"}),
        "page": fields.Integer(),
        "page_size": fields.Integer(),
    })


def patch_schema(schema_class):
    """A subclass of ``schema_class`` that loads partially, for PATCH.

    A named subclass (not ``schema_class(partial=True)``) so the OpenAPI document gets
    one distinct, stable name per schema.
    """
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        schema_class.__init__(self, *args, **kwargs)

    name = schema_class.__name__.removesuffix("Schema") + "PatchSchema"
    return type(name, (schema_class,), {"__init__": __init__})


def like(q):
    """A LIKE pattern matching ``q`` anywhere, with LIKE's wildcards taken literally."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(q, *columns):
    """A clause: any of ``columns`` contains ``q`` (case-insensitive)."""
    pattern = like(q)
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def paginate(session, query, args):
    """Run ``query`` (already ordered) for one page; returns the envelope."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page, size = args["page"], args["page_size"]
    items = session.scalars(query.limit(size).offset((page - 1) * size)).all()
    return {"items": items, "total": total, "page": page, "page_size": size}
