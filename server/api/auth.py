"""Log in, refresh, log out, and who am I."""

from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    current_user,
    get_jwt,
    jwt_required,
)
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from ..errors import ApiError
from ..extensions import db, limiter
from ..models import RevokedToken, User
from ..passwords import verify_password

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth",
               description="Log in with email and password; bearer tokens for everything else")


class LoginSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class UserSchema(Schema):
    id = fields.String()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    team_id = fields.String(allow_none=True)
    locale = fields.String()


class TokensSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    user = fields.Nested(UserSchema)


class AccessTokenSchema(Schema):
    access_token = fields.String()


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["POST"])
@limiter.limit(_login_limit)
@bp.arguments(LoginSchema)
@bp.response(200, TokensSchema)
@bp.alt_response(401, description="Wrong email or password")
@bp.alt_response(423, description="Account locked after too many failed logins")
@bp.alt_response(429, description="Too many login attempts from this address")
def login(credentials):
    """Exchange email and password for an access token (15 min) and a refresh token."""
    user = db.session.scalar(select(User).where(
        func.lower(User.email) == credentials["email"].strip().lower()))
    now = datetime.now(UTC)
    if user is not None and user.locked_until and user.locked_until > now:
        raise ApiError(423, "Too many failed logins: try again later")
    if not verify_password(user.password_hash if user else None, credentials["password"]) \
            or not user.active:
        _count_failure(user, now)
        raise ApiError(401, "Wrong email or password")
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return {"access_token": create_access_token(user), "refresh_token": create_refresh_token(user),
            "user": user}


def _count_failure(user, now):
    if user is None:
        return
    user.failed_logins += 1
    if user.failed_logins >= current_app.config["LOGIN_LOCKOUT_FAILURES"]:
        user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
        user.failed_logins = 0
    db.session.commit()


@bp.route("/refresh", methods=["POST"])
@jwt_required(refresh=True)
@bp.response(200, AccessTokenSchema)
@bp.doc(security=[{"bearerAuth": []}])
def refresh():
    """A new access token, for the refresh token in the Authorization header."""
    return {"access_token": create_access_token(current_user)}


@bp.route("/logout", methods=["POST"])
@jwt_required(verify_type=False)
@bp.response(204)
@bp.doc(security=[{"bearerAuth": []}])
def logout():
    """Revoke the token sent (send the refresh token to end the session on this device)."""
    claims = get_jwt()
    db.session.add(RevokedToken(jti=claims["jti"], user_id=claims["sub"],
                                expires_at=datetime.fromtimestamp(claims["exp"], UTC)))
    db.session.commit()


@bp.route("/me", methods=["GET"])
@jwt_required()
@bp.response(200, UserSchema)
@bp.doc(security=[{"bearerAuth": []}])
def me():
    """The logged-in user."""
    return current_user
