"""JWT wiring: who a token belongs to, revocation, and errors in our one JSON shape."""

from flask import jsonify
from sqlalchemy import select

from .errors import error_body
from .extensions import db
from .models import RevokedToken, User


def _error(code, message):
    response = jsonify(error_body(code, message))
    response.status_code = code
    return response


def configure(jwt):
    @jwt.user_lookup_loader
    def _load_user(_header, payload):
        user = db.session.get(User, payload["sub"])
        return user if user is not None and user.active else None

    @jwt.token_in_blocklist_loader
    def _is_revoked(_header, payload):
        return db.session.scalar(
            select(RevokedToken.jti).where(RevokedToken.jti == payload["jti"])) is not None

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
