"""Login, refresh, logout, expiry, tampering, failure throttle, rate limit."""

from datetime import timedelta

from api_helpers import API, assert_error
from conftest import PASSWORD
from flask_jwt_extended import create_access_token


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_access_and_refresh(client, auth, org):
    tokens = auth.login(org.rep1)
    assert tokens["user"]["email"] == org.rep1.email
    me = client.get(f"{API}/auth/me", headers=_bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.get_json()["id"] == org.rep1.id
    # the refresh token is not an access token, and vice versa
    assert_error(client.get(f"{API}/customers", headers=_bearer(tokens["refresh_token"])), 401)
    assert_error(client.post(f"{API}/auth/refresh", headers=_bearer(tokens["access_token"])),
                 401)


def test_refresh_gives_a_working_pair(client, auth, org):
    tokens = auth.login(org.rep1)
    response = client.post(f"{API}/auth/refresh", headers=_bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    assert set(response.get_json()) == {"access_token", "refresh_token"}
    fresh = response.get_json()["access_token"]
    assert client.get(f"{API}/customers", headers=_bearer(fresh)).status_code == 200
    rotated = response.get_json()["refresh_token"]  # replaces the one sent (test_sessions.py)
    assert client.post(f"{API}/auth/refresh", headers=_bearer(rotated)).status_code == 200


def test_logout_revokes(client, auth, org):
    tokens = auth.login(org.rep1)
    for kind in ("access_token", "refresh_token"):
        assert client.post(f"{API}/auth/logout", headers=_bearer(tokens[kind])).status_code == 204
    body = assert_error(client.get(f"{API}/customers", headers=_bearer(tokens["access_token"])),
                        401)
    assert "revoked" in body["message"]
    assert_error(client.post(f"{API}/auth/refresh", headers=_bearer(tokens["refresh_token"])),
                 401)


def test_expired_token(client, app, org):
    with app.app_context():
        token = create_access_token(org.rep1, expires_delta=timedelta(seconds=-5))
    body = assert_error(client.get(f"{API}/customers", headers=_bearer(token)), 401)
    assert "expired" in body["message"]


def test_tampered_token(client, auth, org, app):
    header, payload, signature = auth.login(org.rep1)["access_token"].split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert_error(client.get(f"{API}/customers", headers=_bearer(
        f"{header}.{payload}.{flipped}")), 401)
    with app.app_context():  # signed with another secret
        app.config["JWT_SECRET_KEY"] = "another-secret-another-secret-another-secret"
        forged = create_access_token(org.admin)
        app.config["JWT_SECRET_KEY"] = app.config["SECRET_KEY"]
    assert_error(client.get(f"{API}/users", headers=_bearer(forged)), 401)


def test_wrong_password_is_generic(client, org):
    wrong = client.post(f"{API}/auth/login", json={"email": org.rep1.email, "password": "nope"})
    unknown = client.post(f"{API}/auth/login", json={"email": "ghost@example.com",
                                                     "password": "nope"})
    assert assert_error(wrong, 401)["message"] == assert_error(unknown, 401)["message"]


def test_failures_slow_the_account_down(client, app, org):
    app.config["LOGIN_DELAY_AFTER_FAILURES"] = 3
    for _ in range(3):
        assert_error(client.post(f"{API}/auth/login", json={
            "email": org.rep1.email, "password": "wrong"}), 401)
    # even the right password is refused during the wait (tests/test_login_throttle.py)
    refused = client.post(f"{API}/auth/login", json={"email": org.rep1.email,
                                                      "password": PASSWORD})
    assert_error(refused, 429)
    assert refused.headers["Retry-After"] == "1"
    other = client.post(f"{API}/auth/login", json={"email": org.rep2.email,
                                                   "password": PASSWORD})
    assert other.status_code == 200


def test_rate_limit(client, app, org):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    codes = [client.post(f"{API}/auth/login", json={
        "email": org.rep1.email, "password": PASSWORD}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
