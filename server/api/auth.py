"""Log in, refresh (rotating the session's refresh token), log out, and who am I.
Sessions and their tokens: server/tokens.py."""

from datetime import UTC, datetime

from flask import current_app, request
from flask_jwt_extended import current_user, get_jwt, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import login_throttle, tokens
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


class TokenPairSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String(metadata={
        "description": "Replaces the one sent: keep it, the old one ends the session "
                       "if sent again after the grace"})


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["POST"])
@limiter.limit(_login_limit, on_breach=login_throttle.too_many_from_address)
@bp.arguments(LoginSchema)
@bp.response(200, TokensSchema)
@bp.alt_response(401, description="Wrong email or password")
@bp.alt_response(429, description="Too many attempts from this address (LOGIN_RATE_LIMIT), "
                 "or too many failed sign-ins on this email or from this address: "
                 "Retry-After says when to try again")
def login(credentials):
    """Exchange email and password for an access token (15 min) and a refresh token,
    the start of a session. Failed sign-ins slow the next ones down, the same way for
    every email, known or not (server/login_throttle.py)."""
    now = tokens.clock()  # before the lookup: a password change meanwhile ends the session
    keys = login_throttle.keys_for(credentials["email"], request.remote_addr)
    login_throttle.refuse_while_waiting(keys, now)
    user = db.session.scalar(select(User).where(
        func.lower(User.email) == login_throttle.normalised_email(credentials["email"])))
    # An unknown email is checked against a dummy hash: a miss takes as long as a hit.
    if not verify_password(user.password_hash if user else None, credentials["password"]) \
            or not user.active:
        login_throttle.count_failure(keys, now)
        raise ApiError(401, "Wrong email or password")
    login_throttle.forget_account(credentials["email"])
    pair = tokens.issue(user, tokens.start_session(user, now))
    db.session.commit()
    return {**pair, "user": user}


@bp.route("/refresh", methods=["POST"])
@jwt_required(refresh=True)
@bp.response(200, TokenPairSchema)
@bp.alt_response(401, description="Expired, revoked, or a replaced refresh token used again "
                 "(which ends the session)")
@bp.doc(security=[{"bearerAuth": []}])
def refresh():
    """A new access token and a new refresh token, for the refresh token in the
    Authorization header; the session lasts JWT_REFRESH_TOKEN_EXPIRES from now."""
    claims = get_jwt()
    user = current_user
    if "sid" not in claims:
        return _exchange(user, claims)
    _jti, _user, session, _revoked = tokens.token_state()
    if tokens.rotate(session, claims["jti"]):
        pair = tokens.issue(user, session)
        db.session.commit()
        return pair
    ended = tokens.session_ended(user, session)
    if ended is None:
        tokens.end_session(session, "reuse")
        db.session.commit()
        tokens.report_reuse(user, session)
        raise ApiError(401, "Refresh token already used: the session has ended; sign in again")
    raise ApiError(401, f"Token has been revoked: {ended}")


def _exchange(user, claims):
    """A refresh token from before sessions: revoked, and answered with a session's."""
    db.session.add(_revoked(claims))
    try:
        db.session.flush()
    except IntegrityError:  # exchanged by a concurrent request
        db.session.rollback()
        raise ApiError(401, "Token has been revoked") from None
    pair = tokens.issue(user, tokens.start_session(user))
    db.session.commit()
    return pair


def _revoked(claims):
    return RevokedToken(jti=claims["jti"], user_id=claims["sub"],
                        expires_at=datetime.fromtimestamp(claims["exp"], UTC))


@bp.route("/logout", methods=["POST"])
@jwt_required(verify_type=False, skip_revocation_check=True)
@bp.response(204)
@bp.alt_response(401, description="This token was already used to log out")
@bp.doc(security=[{"bearerAuth": []}])
def logout():
    """End the session of the token sent (either one): both its tokens stop working on
    every node. Another token of a session that has ended answers 204 too."""
    claims = get_jwt()
    _jti, _user, session, revoked = tokens.token_state()
    if revoked:
        raise ApiError(401, "Token has been revoked")
    db.session.add(_revoked(claims))
    if session is not None:
        tokens.end_session(session, "logout")
    try:
        db.session.commit()
    except IntegrityError:  # the same token logged out by a concurrent request
        db.session.rollback()


@bp.route("/me", methods=["GET"])
@jwt_required()
@bp.response(200, UserSchema)
@bp.doc(security=[{"bearerAuth": []}])
def me():
    """The logged-in user."""
    return current_user
