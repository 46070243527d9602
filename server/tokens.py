"""JWT wiring: who a token belongs to, revocation, and errors in our one JSON shape."""

from flask import g, jsonify
from sqlalchemy import bindparam, exists, select

from .errors import error_body
from .extensions import db
from .models import RevokedToken, User

# The token's user, and whether the token was revoked (logged out).
_USER_AND_REVOCATION = select(
    User, exists().where(RevokedToken.jti == bindparam("jti")).label("revoked")).where(
    User.id == bindparam("user_id"))


def _error(code, message):
    response = jsonify(error_body(code, message))
    response.status_code = code
    return response


def configure(jwt):
    # Every authenticated request asks two questions, "is this token revoked?" then
    # "whose is it?": one query answers both (the revocation check runs first and keeps
    # the user for the lookup), as a second round trip was the largest part of what a
    # small request costs over /healthz.
    @jwt.token_in_blocklist_loader
    def _is_revoked(_header, payload):
        found = db.session.execute(_USER_AND_REVOCATION, {
            "user_id": payload["sub"], "jti": payload["jti"]}).first()
        g.token_user = (payload["jti"], found[0] if found else None)
        return found is not None and bool(found[1])  # no such user: the lookup says 401

    @jwt.user_lookup_loader
    def _load_user(_header, payload):
        kept = g.pop("token_user", None)
        if kept is not None and kept[0] == payload["jti"]:
            user = kept[1]
        else:  # a token checked without the revocation lookup (none today)
            user = db.session.get(User, payload["sub"])
        return user if user is not None and user.active else None

    @jwt.additional_claims_loader
    def _claims(user):
        return {"role": user.role}

    @jwt.user_identity_loader
    def _identity(user):
        return user.id

    jwt.expired_token_loader(lambda _h, _p: _error(401, "Token has expired"))
    jwt.invalid_token_loader(lambda reason: _error(401, f"Invalid token: {reason}"))
    jwt.unauthorized_loader(lambda reason: _error(401, f"Authentication required: {reason}"))
    jwt.revoked_token_loader(lambda _h, _p: _error(401, "Token has been revoked"))
    jwt.user_lookup_error_loader(lambda _h, _p: _error(401, "User not found or disabled"))
    jwt.needs_fresh_token_loader(lambda _h, _p: _error(401, "Fresh token required"))
