"""The sync endpoints: thin HTTP adapters over sync.push and sync.pull."""

import re

from flask import current_app, request
from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from webargs.flaskparser import FlaskParser, is_json_request

from sync import pull as pulling
from sync import push as pushing
from sync.engine import SCHEMA_VERSION

from .. import records
from ..access import Access
from ..errors import ApiError
from ..extensions import db
from ..http import checks_text_per_record
from ..sync_registry import registry


class _ParsedOnceParser(FlaskParser):
    """Takes the body Flask has parsed already (``_check_version`` reads every sync body
    first): a push body is up to 500 mutations, not worth decoding twice. Bodies Flask
    could not parse go the usual way, to the usual error."""

    def _raw_load_json(self, req):
        body = req.get_json(silent=True) if is_json_request(req) else None
        return body if body is not None else super()._raw_load_json(req)


bp = Blueprint("sync", __name__, url_prefix="/api/v1/sync",
               description="Offline sync: push the outbox, pull changes (docs/sync-protocol.md)")
bp.ARGUMENTS_PARSER = _ParsedOnceParser()

CLIENT_ID = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$", error="8 to 64 letters, digits, - or _")


class MutationSchema(Schema):
    id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**53))
    op = fields.String(required=True, validate=validate.OneOf(["put", "delete"]))
    table = fields.String(required=True, validate=validate.Length(max=40))
    key = fields.UUID(required=True)
    hlc = fields.String(validate=validate.Length(max=120))
    fields_ = fields.Dict(data_key="fields", attribute="fields", keys=fields.String())
    base = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                       allow_none=True)


class PushSchema(Schema):
    schema_version = fields.Integer(required=True)
    client_id = fields.String(required=True, validate=CLIENT_ID)
    mutations = fields.List(fields.Nested(MutationSchema), required=True,
                            validate=validate.Length(max=pushing.MAX_MUTATIONS))

    @validates_schema
    def _increasing(self, data, **_kwargs):
        ids = [m["id"] for m in data.get("mutations", [])]
        if any(b <= a for a, b in zip(ids, ids[1:], strict=False)):
            raise ValidationError("Mutation ids must be strictly increasing", "mutations")

    def load(self, data, **kwargs):
        # A push carries up to 500 mutations; loading each through the nested schema
        # costs more than applying it. A body that is plainly well formed (the shape the
        # apps send) is taken as it is; any doubt goes to marshmallow, which decides and
        # words the error. tests/test_sync_fast_paths.py checks both agree.
        if not kwargs and _plainly_valid_push(data):
            return data
        return super().load(data, **kwargs)


_MUTATION_KEYS = frozenset(MutationSchema().load_fields) - {"fields_"} | {"fields"}
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _plainly_valid_push(body):
    """True when PushSchema would load ``body`` unchanged (keys and values alike)."""
    if not (isinstance(body, dict) and body.keys() <= {"schema_version", "client_id",
                                                       "mutations"}
            and type(body.get("schema_version")) is int
            and isinstance(body.get("client_id"), str)
            and CLIENT_ID.regex.match(body["client_id"])
            and type(body.get("mutations")) is list
            and len(body["mutations"]) <= pushing.MAX_MUTATIONS):
        return False
    previous = 0
    for mutation in body["mutations"]:
        if not (type(mutation) is dict and mutation.keys() <= _MUTATION_KEYS
                and type(mutation.get("id")) is int and previous < mutation["id"] <= 2**53
                and mutation.get("op") in ("put", "delete")
                and type(mutation.get("table")) is str and len(mutation["table"]) <= 40
                and type(mutation.get("key")) is str
                and _CANONICAL_UUID.fullmatch(mutation["key"])
                and _plain_hlc(mutation) and _plain_fields(mutation) and _plain_base(mutation)):
            return False
        previous = mutation["id"]
    return True


def _plain_hlc(mutation):
    stamp = mutation.get("hlc", "")
    return type(stamp) is str and len(stamp) <= 120


def _plain_fields(mutation):
    return type(mutation.get("fields", {})) is dict


def _plain_base(mutation):
    base = mutation.get("base")
    return base is None or (type(base) is dict and all(
        value is None or type(value) is str for value in base.values()))


class PullSchema(Schema):
    schema_version = fields.Integer(required=True)
    client_id = fields.String(required=True, validate=CLIENT_ID)
    cursor = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=2**63 - 1))
    limit = fields.Integer(validate=validate.Range(1, pulling.MAX_LIMIT),
                           load_default=pulling.DEFAULT_LIMIT)
    verify = fields.Boolean(load_default=True, metadata={"description": (
        "Send the scope checksum and count on the last page (default). They cost a sum "
        "over every customer in the user's scope; false answers checksum and count null "
        "and skips it, so a routine pull costs only its changes. Clients ask for it "
        "after a fresh download and periodically (docs/sync-protocol.md, L5).")})


class PushResultSchema(Schema):
    schema_version = fields.Integer()
    last_mutation_id = fields.Integer()
    results = fields.List(fields.Dict())


class PullResultSchema(Schema):
    schema_version = fields.Integer()
    cursor = fields.Integer()
    more = fields.Boolean()
    reset = fields.Boolean()
    last_mutation_id = fields.Integer()
    changes = fields.List(fields.Dict())
    checksum = fields.String(allow_none=True, metadata={"description": (
        "Last page: the scope checksum; null when verify was false or a write raced")})
    count = fields.Integer(allow_none=True, metadata={"description": (
        "Last page: live records in scope, counted with the checksum; null when verify "
        "was false")})
    total = fields.Integer(metadata={"description": (
        "First sync (cursor 0): live records in scope, for a progress bar")})


@bp.before_request
def _check_version():
    # Before the body is validated: an app of another protocol version may send a shape
    # we do not know, and it should hear "update the app", not "invalid field".
    body = request.get_json(silent=True)
    version = body.get("schema_version") if isinstance(body, dict) else None
    if isinstance(version, int) and version != SCHEMA_VERSION:
        raise ApiError(426, "This version of the app can no longer sync: please update it",
                       supported_schema_version=SCHEMA_VERSION)


def _push_without_field_values(body):
    """What of a push the door checks for unstorable text: all but the values of each
    mutation's fields (their table's validator rejects that one mutation, invalid)."""
    if not isinstance(body, dict) or not isinstance(body.get("mutations"), list):
        return body
    return {**body, "mutations": [
        {**mutation, "fields": list(mutation["fields"])}
        if isinstance(mutation, dict) and isinstance(mutation.get("fields"), dict)
        else mutation for mutation in body["mutations"]]}


@bp.route("/push", methods=["POST"])
@checks_text_per_record(_push_without_field_values)
@jwt_required()
@bp.arguments(PushSchema)
@bp.response(200, PushResultSchema)
@bp.alt_response(403, description="The client id belongs to another user")
@bp.alt_response(409, description="mutation_gap: ids do not continue from the server's")
@bp.alt_response(426, description="schema_version not supported: update the app")
@bp.doc(security=[{"bearerAuth": []}])
def push(body):
    """Apply this device's outbox, in order, in one transaction."""
    user = current_user
    access = Access.for_user(db.session, user)
    mutations = [{**m, "key": str(m["key"])} for m in body["mutations"]]
    records.begin_write()
    try:
        result = pushing.push(db.session, registry, access, body["client_id"], mutations)
    except pushing.MutationGap as gap:
        db.session.rollback()
        raise ApiError(409, str(gap), reason="mutation_gap", expected_id=gap.expected_id) from None
    except pushing.ClientMismatch as mismatch:
        db.session.rollback()
        raise ApiError(403, str(mismatch)) from None
    db.session.commit()
    return _json({"schema_version": SCHEMA_VERSION, **result})


@bp.route("/pull", methods=["POST"])
@jwt_required()
@bp.arguments(PullSchema)
@bp.response(200, PullResultSchema)
@bp.alt_response(403, description="The client id belongs to another user")
@bp.alt_response(426, description="schema_version not supported: update the app")
@bp.doc(security=[{"bearerAuth": []}])
def pull(body):
    """The changes after ``cursor`` among the records this user may see, a page at a time."""
    access = Access.for_user(db.session, current_user)
    try:
        result = pulling.pull(db.session, registry, access, body["client_id"],
                              body.get("cursor"), body["limit"], verify=body["verify"])
    except pushing.ClientMismatch as mismatch:
        db.session.rollback()
        raise ApiError(403, str(mismatch)) from None
    db.session.commit()  # a pull from 0 records where the phone's download began
    return _json({"schema_version": SCHEMA_VERSION, **result})


def _json(body):
    """The body as JSON straight away: the result schemas document the responses, but
    dumping thousands of changes through marshmallow only copies what is already plain
    JSON data (a Response passes flask-smorest's serialization untouched)."""
    return current_app.json.response(body)
