"""Sign-in sessions: rotating, sliding refresh tokens, reuse detection with a grace,
logout, password changes and deactivations, tokens from before sessions."""

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from api_helpers import API, assert_error, new_id
from conftest import PASSWORD
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token

from server import config, create_app, tokens
from server.extensions import db
from server.models import AuthSession

NEW_PASSWORD = "a new password, long enough"


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _refresh(client, refresh_token):
    return client.post(f"{API}/auth/refresh", headers=_bearer(refresh_token))


def _rotated(client, refresh_token):
    response = _refresh(client, refresh_token)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _works(client, access_token):
    return client.get(f"{API}/auth/me", headers=_bearer(access_token)).status_code == 200


def _session(sid):
    db.session.expire_all()
    return db.session.get(AuthSession, sid)


@pytest.fixture
def later(monkeypatch):
    """Moves the sessions' clock on: ``later(seconds)``."""
    real, offset = tokens.clock, [0.0]
    monkeypatch.setattr(tokens, "clock", lambda: real() + timedelta(seconds=offset[0]))

    def move(seconds):
        offset[0] += seconds
    return move


def _admin_patch(client, auth, org, user, body):
    response = client.patch(f"{API}/users/{user.id}", headers=auth.headers(org.admin),
                            json=body)
    assert response.status_code == 200, response.get_json()


# -- rotation ---------------------------------------------------------------------------
def test_refresh_rotates_to_a_new_working_pair(client, auth, org):
    first = auth.login(org.rep1)
    pair = _rotated(client, first["refresh_token"])
    assert set(pair) == {"access_token", "refresh_token"}
    assert pair["refresh_token"] != first["refresh_token"]
    assert _works(client, pair["access_token"]) and _works(client, first["access_token"])
    access, refresh = decode_token(pair["access_token"]), decode_token(pair["refresh_token"])
    assert access["sid"] == refresh["sid"] == decode_token(first["refresh_token"])["sid"]
    assert access["type"] == "access" and refresh["type"] == "refresh"
    session = _session(refresh["sid"])
    assert session.user_id == org.rep1.id and session.current_jti == refresh["jti"]
    assert session.previous_jti == decode_token(first["refresh_token"])["jti"]
    again = _rotated(client, pair["refresh_token"])  # the new one rotates in turn
    assert _works(client, again["access_token"])


def test_each_refresh_moves_the_expiry_on(client, auth, org, later):
    first = auth.login(org.rep1)
    later(3600)
    pair = _rotated(client, first["refresh_token"])
    old, new = decode_token(first["refresh_token"]), decode_token(pair["refresh_token"])
    assert new["exp"] - old["exp"] >= 3600 - 1
    session = _session(new["sid"])
    assert abs(session.expires_at.timestamp() - new["exp"]) < 1
    assert session.last_used_at > session.created_at


def test_sessions_last_45_days_by_default(client, auth, org, app):
    assert app.config["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(days=45)
    refresh = decode_token(auth.login(org.rep1)["refresh_token"])
    assert abs(refresh["exp"] - refresh["iat"] - 45 * 86400) <= 1
    session = _session(refresh["sid"])
    assert abs((session.expires_at - session.created_at) - timedelta(days=45)) \
        < timedelta(seconds=1)


def test_the_environment_sets_the_session_lifetime(app, org, monkeypatch):
    monkeypatch.setenv("FIELDBOOK_SESSION_DAYS", "60")
    email = org.rep1.email
    db.session.close()  # SQLite: this app's open transaction would lock the other out
    other = create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert other.config["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(days=60)
    with other.app_context():
        response = other.test_client().post(f"{API}/auth/login", json={
            "email": email, "password": PASSWORD})
        assert response.status_code == 200
        refresh = decode_token(response.get_json()["refresh_token"])
        db.session.remove()
        db.engine.dispose()
    assert abs(refresh["exp"] - refresh["iat"] - 60 * 86400) <= 1


@pytest.mark.parametrize("value", ["abc", "0", "-3", "4.5", "366", "45 days"])
def test_a_bad_session_lifetime_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("FIELDBOOK_SESSION_DAYS", value)
    with pytest.raises(config.ConfigurationError, match="FIELDBOOK_SESSION_DAYS"):
        create_app({"TESTING": True})


# -- reuse ------------------------------------------------------------------------------
def test_reuse_after_the_grace_ends_the_session(client, auth, org, later, caplog):
    first = auth.login(org.rep1)
    pair = _rotated(client, first["refresh_token"])
    later(121)
    with caplog.at_level(logging.WARNING):
        body = assert_error(_refresh(client, first["refresh_token"]), 401)
    assert "session has ended" in body["message"]
    sid = decode_token(pair["refresh_token"])["sid"]
    assert _session(sid).revoked_reason == "reuse"
    # Every token of the session is dead now, the rotated pair included.
    for token in (first["access_token"], pair["access_token"]):
        assert "session has ended" in assert_error(client.get(
            f"{API}/auth/me", headers=_bearer(token)), 401)["message"]
    assert_error(_refresh(client, pair["refresh_token"]), 401)
    warning = [r for r in caplog.records if r.levelno == logging.WARNING
               and "reuse" in r.getMessage()]
    assert len(warning) == 1
    assert sid in warning[0].getMessage() and org.rep1.id in warning[0].getMessage()
    for token in (first["refresh_token"], pair["refresh_token"]):
        assert token not in caplog.text and token.split(".")[2] not in caplog.text
    assert _works(client, auth.login(org.rep1)["access_token"])  # signing in again works


def test_without_a_grace_any_replaced_token_is_a_reuse(client, auth, org, app):
    app.config["REFRESH_REUSE_GRACE_SECONDS"] = 0
    first = auth.login(org.rep1)
    pair = _rotated(client, first["refresh_token"])
    assert_error(_refresh(client, first["refresh_token"]), 401)
    assert_error(client.get(f"{API}/auth/me", headers=_bearer(pair["access_token"])), 401)


def test_within_the_grace_the_replaced_token_works_once_more(client, auth, org, later):
    first = auth.login(org.rep1)
    _rotated(client, first["refresh_token"])  # its answer lost on a bad link
    later(100)
    retry = _rotated(client, first["refresh_token"])
    assert _works(client, retry["access_token"])
    sid = decode_token(retry["refresh_token"])["sid"]
    assert _session(sid).current_jti == decode_token(retry["refresh_token"])["jti"]
    later(10)
    latest = _rotated(client, retry["refresh_token"])  # the phone goes on with the retry's
    assert _works(client, latest["access_token"])
    # The token from sign-in is two rotations old now: a reuse, even inside the grace.
    assert_error(_refresh(client, first["refresh_token"]), 401)
    assert _session(sid).revoked_reason == "reuse"
    assert_error(client.get(f"{API}/auth/me", headers=_bearer(latest["access_token"])), 401)


def test_sessions_are_separate(client, auth, org, later):
    phone, laptop = auth.login(org.rep1), auth.login(org.rep1)
    _rotated(client, phone["refresh_token"])
    later(600)
    assert_error(_refresh(client, phone["refresh_token"]), 401)  # ends the phone's session
    assert _works(client, laptop["access_token"])
    assert _works(client, _rotated(client, laptop["refresh_token"])["access_token"])


def test_an_expired_session_is_refused(client, auth, org, later):
    tokens_ = auth.login(org.rep1)
    later(46 * 86400)
    body = assert_error(_refresh(client, tokens_["refresh_token"]), 401)
    assert "expired" in body["message"]
    assert_error(client.get(f"{API}/auth/me", headers=_bearer(tokens_["access_token"])), 401)


def test_an_expired_refresh_token_is_refused(client, org, app):
    legacy = create_refresh_token(org.rep1, expires_delta=timedelta(seconds=-5))
    body = assert_error(_refresh(client, legacy), 401)
    assert "expired" in body["message"]
    sid_bearing = create_refresh_token(org.rep1, expires_delta=timedelta(seconds=-5),
                                       additional_claims={"sid": new_id()})
    assert "expired" in assert_error(_refresh(client, sid_bearing), 401)["message"]


def test_an_unknown_or_foreign_session_is_refused(client, auth, org):
    assert_error(client.get(f"{API}/auth/me", headers=_bearer(create_access_token(
        org.rep1, additional_claims={"sid": new_id()}))), 401)
    others = decode_token(auth.login(org.rep2)["refresh_token"])["sid"]
    assert_error(client.get(f"{API}/auth/me", headers=_bearer(create_access_token(
        org.rep1, additional_claims={"sid": others}))), 401)


# -- logout -----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["refresh_token", "access_token"])
def test_logout_with_either_token_ends_the_session(client, auth, org, kind):
    tokens_ = auth.login(org.rep1)
    other = auth.login(org.rep1)  # another device
    assert client.post(f"{API}/auth/logout", headers=_bearer(tokens_[kind])).status_code == 204
    body = assert_error(client.get(f"{API}/auth/me", headers=_bearer(tokens_["access_token"])),
                        401)
    assert "revoked" in body["message"]
    assert_error(_refresh(client, tokens_["refresh_token"]), 401)
    assert _session(decode_token(tokens_["refresh_token"])["sid"]).revoked_reason == "logout"
    # The same token again is refused; the session's other token logs out quietly.
    assert_error(client.post(f"{API}/auth/logout", headers=_bearer(tokens_[kind])), 401)
    twin = "access_token" if kind == "refresh_token" else "refresh_token"
    assert client.post(f"{API}/auth/logout", headers=_bearer(tokens_[twin])).status_code == 204
    assert _works(client, other["access_token"])


# -- password changes and deactivation --------------------------------------------------
def test_a_password_change_ends_every_session(client, auth, org):
    first, second = auth.login(org.rep1), auth.login(org.rep1)
    rotated = _rotated(client, second["refresh_token"])
    _admin_patch(client, auth, org, org.rep1, {"password": NEW_PASSWORD})
    for token in (first["access_token"], rotated["access_token"]):
        body = assert_error(client.get(f"{API}/auth/me", headers=_bearer(token)), 401)
        assert "password" in body["message"]
    for token in (first["refresh_token"], rotated["refresh_token"]):
        assert_error(_refresh(client, token), 401)
    assert {_session(decode_token(t["refresh_token"])["sid"]).revoked_reason
            for t in (first, second)} == {"password"}
    assert_error(client.post(f"{API}/auth/login", json={
        "email": org.rep1.email, "password": PASSWORD}), 401)
    fresh = auth.login(org.rep1, NEW_PASSWORD)
    assert _works(client, fresh["access_token"])
    assert _works(client, _rotated(client, fresh["refresh_token"])["access_token"])
    assert client.get(f"{API}/users", headers=auth.headers(org.admin)).status_code == 200


def test_a_password_change_with_a_team_move_ends_every_session(client, auth, org):
    tokens_ = auth.login(org.rep1)
    _admin_patch(client, auth, org, org.rep1, {"password": NEW_PASSWORD,
                                               "team_id": org.team_b.id})
    assert_error(client.get(f"{API}/auth/me", headers=_bearer(tokens_["access_token"])), 401)
    assert_error(_refresh(client, tokens_["refresh_token"]), 401)


def test_reactivating_revives_no_session(client, auth, org):
    tokens_ = auth.login(org.rep1)
    _admin_patch(client, auth, org, org.rep1, {"active": False})
    assert_error(client.get(f"{API}/auth/me", headers=_bearer(tokens_["access_token"])), 401)
    assert_error(_refresh(client, tokens_["refresh_token"]), 401)
    _admin_patch(client, auth, org, org.rep1, {"active": True})
    body = assert_error(client.get(f"{API}/auth/me", headers=_bearer(tokens_["access_token"])),
                        401)
    assert "deactivated" in body["message"]
    assert_error(_refresh(client, tokens_["refresh_token"]), 401)
    assert _works(client, auth.login(org.rep1)["access_token"])


def test_a_sign_in_under_way_during_a_password_change_is_refused(client, auth, org):
    """A login that read the user before the change commits its session after it."""
    _admin_patch(client, auth, org, org.rep1, {"password": NEW_PASSWORD})
    db.session.expire_all()
    user = db.session.get(type(org.rep1), org.rep1.id)
    session = tokens.start_session(user, user.sessions_valid_after - timedelta(milliseconds=5))
    late = tokens.issue(user, session)
    db.session.commit()
    assert_error(client.get(f"{API}/auth/me", headers=_bearer(late["access_token"])), 401)
    assert_error(_refresh(client, late["refresh_token"]), 401)


# -- tokens from before sessions --------------------------------------------------------
def test_a_refresh_token_without_a_session_is_exchanged_once(client, org):
    legacy_access, legacy = create_access_token(org.rep1), create_refresh_token(org.rep1)
    assert "sid" not in decode_token(legacy)
    assert _works(client, legacy_access)
    pair = _rotated(client, legacy)
    assert set(pair) == {"access_token", "refresh_token"}
    sid = decode_token(pair["refresh_token"])["sid"]
    assert decode_token(pair["access_token"])["sid"] == sid
    assert _session(sid).user_id == org.rep1.id
    assert _works(client, pair["access_token"])
    assert_error(_refresh(client, legacy), 401)  # once only
    assert _works(client, _rotated(client, pair["refresh_token"])["access_token"])


def test_tokens_without_a_session_log_out_as_before(client, org):
    legacy_access, legacy = create_access_token(org.rep1), create_refresh_token(org.rep1)
    assert client.post(f"{API}/auth/logout", headers=_bearer(legacy_access)).status_code == 204
    assert_error(client.get(f"{API}/auth/me", headers=_bearer(legacy_access)), 401)
    assert_error(client.post(f"{API}/auth/logout", headers=_bearer(legacy_access)), 401)
    assert _works(client, _rotated(client, legacy)["access_token"])  # its own token


@pytest.mark.parametrize("change", [{"password": NEW_PASSWORD}, {"active": False}])
def test_tokens_without_a_session_die_with_a_password_change_or_deactivation(
        client, auth, org, change):
    # Issued in the same second as the change, before it: refused all the same.
    legacy_access, legacy = create_access_token(org.rep1), create_refresh_token(org.rep1)
    _admin_patch(client, auth, org, org.rep1, change)
    _admin_patch(client, auth, org, org.rep1, {"active": True})
    assert_error(client.get(f"{API}/auth/me", headers=_bearer(legacy_access)), 401)
    assert_error(_refresh(client, legacy), 401)


# -- cost and clean-up ------------------------------------------------------------------
@pytest.mark.parametrize("with_session", [True, False])
def test_one_query_per_authenticated_request(client, auth, org, with_session):
    token = (auth.login(org.rep1)["access_token"] if with_session
             else create_access_token(org.rep1))
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert _works(client, token)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 1, seen


def test_sync_prune_forgets_long_expired_sessions(client, auth, org, runner):
    kept = decode_token(auth.login(org.rep1)["refresh_token"])["sid"]
    gone = tokens.start_session(org.rep2, tokens.clock() - timedelta(days=100))
    gone_id = gone.id
    db.session.commit()
    result = runner.invoke(args=["sync-prune", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "auth_sessions: 1" in result.output
    assert _session(gone_id) is None and _session(kept) is not None
