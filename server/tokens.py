"""JWT wiring: who a token belongs to, its session, revocation, and errors in our one
JSON shape.

Every sign-in is a session (``AuthSession``). Its access and refresh tokens carry the
session's id as ``sid``, and its refresh token's jti is the session's ``current_jti``.
A refresh rotates: a new refresh token, the session's expiry moved on by
``JWT_REFRESH_TOKEN_EXPIRES``. A refresh token presented after it was replaced is a
reuse (a copy in other hands, or a phone's stale one) and ends the session, except the
one just replaced within ``REFRESH_REUSE_GRACE_SECONDS`` (the phone lost the answer).
Tokens minted before sessions (no ``sid``) are checked against ``RevokedToken`` and the
user's ``sessions_valid_after``.
"""

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app, jsonify, request
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import and_, bindparam, exists, select, update

from .errors import error_body
from .extensions import db
from .models import AuthSession, RevokedToken, User, new_id

log = logging.getLogger(__name__)


def clock():
    """Now, for every session decision (tests replace it to step past the grace)."""
    return datetime.now(UTC)


# The token's user, its session (none for a token without ``sid``) and whether the
# token itself was revoked (logged out): one query for every authenticated request.
_TOKEN_STATE = (
    select(User, AuthSession,
           exists().where(RevokedToken.jti == bindparam("jti")).label("revoked"))
    .outerjoin(AuthSession, and_(AuthSession.id == bindparam("sid"),
                                 AuthSession.user_id == User.id))
    .where(User.id == bindparam("user_id")))

_ENDED = {"logout": "the session has ended (signed out)",
          "reuse": "the session has ended (a replaced refresh token was used again)",
          "password": "the session has ended (the password changed)",
          "deactivated": "the session has ended (the account was deactivated)"}


def _error(code, message):
    response = jsonify(error_body(code, message))
    response.status_code = code
    return response


# Kept with the request (not in g: an app context may outlive a request, as in tests).
_STATE, _REFUSAL = "fieldbook.token_state", "fieldbook.token_refusal"


def _lookup(payload):
    found = db.session.execute(_TOKEN_STATE, {
        "user_id": payload["sub"], "sid": payload.get("sid"), "jti": payload["jti"]}).first()
    state = (payload["jti"], *(tuple(found) if found else (None, None, False)))
    request.environ[_STATE] = state
    return state


def token_state():
    """(jti, user, session, revoked) of this request's token, as the one query found them."""
    return request.environ[_STATE]


def session_ended(user, session):
    """Why ``session`` no longer signs ``user`` in, or None while it does."""
    if session is None:
        return "the session has ended"
    if session.revoked_at is not None:
        return _ENDED.get(session.revoked_reason, "the session has ended")
    if session.expires_at <= clock():
        return "the session has expired"
    # Begun before a password change or deactivation (a sign-in under way meanwhile).
    if user.sessions_valid_after is not None and session.created_at <= user.sessions_valid_after:
        return "the session has ended"
    return None


def _refusal(user, session, revoked, payload):
    if revoked:
        return "Token has been revoked"
    if "sid" in payload:
        ended = session_ended(user, session)
        return f"Token has been revoked: {ended}" if ended else None
    # A token from before sessions: refused when issued in or before the second of the
    # user's last password change or deactivation (``iat`` has whole seconds).
    valid_after = user.sessions_valid_after
    if valid_after is not None and payload["iat"] <= int(valid_after.timestamp()):
        return "Token has been revoked: the session has ended"
    return None


# -- sessions ---------------------------------------------------------------------------
def _lifetime():
    return current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]


def start_session(user, now=None):
    """A new session for ``user`` (added, not committed); ``now`` when the sign-in began."""
    now = now or clock()
    session = AuthSession(id=new_id(), user_id=user.id, current_jti=new_id(), created_at=now,
                          last_used_at=now, expires_at=now + _lifetime())
    db.session.add(session)
    return session


def issue(user, session):
    """An access token and a refresh token of ``session``: the refresh token is its
    current one and expires when the session does."""
    claims = {"sid": session.id}
    return {"access_token": create_access_token(user, additional_claims=claims),
            "refresh_token": create_refresh_token(user, additional_claims={
                **claims, "jti": session.current_jti, "exp": session.expires_at})}


def rotate(session, jti):
    """Replace the session's refresh token presented as ``jti`` and slide its expiry.

    False when ``jti`` is neither the current one nor, within the grace, the previous
    one (a reuse), or the session ended meanwhile. A concurrent rotation cannot be lost:
    the update applies only if the current jti is still the one read.
    """
    grace = timedelta(seconds=current_app.config["REFRESH_REUSE_GRACE_SECONDS"])
    for _attempt in range(3):
        now = clock()
        if session.revoked_at is not None:
            return False
        if jti == session.current_jti:
            moved = {"previous_jti": jti, "rotated_at": now}
        elif (jti == session.previous_jti and session.rotated_at is not None
              and now - session.rotated_at <= grace):
            moved = {}  # a retry: the previous stays, so a retry of the retry works too
        else:
            return False
        done = db.session.execute(update(AuthSession).where(
            AuthSession.id == session.id, AuthSession.current_jti == session.current_jti,
            AuthSession.revoked_at.is_(None)).values(
            current_jti=new_id(), last_used_at=now, expires_at=now + _lifetime(), **moved))
        if done.rowcount == 1:
            return True
        db.session.refresh(session)  # rotated or ended by another request: decide again
    return False


def end_session(session, reason):
    """End one session (``reason``: logout or reuse); the caller commits."""
    if session.revoked_at is None:
        session.revoked_at = clock()
        session.revoked_reason = reason


def end_user_sessions(user, reason):
    """End every session of ``user`` (``reason``: password or deactivated), and refuse
    their tokens without a session issued until now; the caller commits."""
    now = clock()
    db.session.execute(update(AuthSession).where(
        AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None)).values(
        revoked_at=now, revoked_reason=reason))
    user.sessions_valid_after = now


def report_reuse(user, session):
    log.warning("refresh token reuse: session %s of user %s ended", session.id, user.id)


def configure(jwt):
    # Every authenticated request asks "is this token still good?" then "whose is it?":
    # one query answers both (the user, the token's session and the revocation list),
    # as a second round trip was the largest part of what a small request costs over
    # /healthz. The user lookup keeps what the revocation check found.
    @jwt.token_in_blocklist_loader
    def _is_revoked(_header, payload):
        _jti, user, session, revoked = _lookup(payload)
        if user is None:
            return False  # no such user: the lookup says 401
        refusal = request.environ[_REFUSAL] = _refusal(user, session, bool(revoked), payload)
        return refusal is not None

    @jwt.user_lookup_loader
    def _load_user(_header, payload):
        state = request.environ.get(_STATE)
        if state is None or state[0] != payload["jti"]:  # revocation check skipped (logout)
            state = _lookup(payload)
        user = state[1]
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
    jwt.revoked_token_loader(lambda _h, _p: _error(
        401, request.environ.get(_REFUSAL) or "Token has been revoked"))
    jwt.user_lookup_error_loader(lambda _h, _p: _error(401, "User not found or disabled"))
    jwt.needs_fresh_token_loader(lambda _h, _p: _error(401, "Fresh token required"))
