"""Hardening: password hashing parameters, login rate limit and throttle, no cookies (so
no CSRF), security headers and the CSP, CORS closed, size limits, and no secrets or
personal data in the logs. docs/reliability.md explains each choice."""

import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from argon2 import Type
from argon2.low_level import ARGON2_VERSION
from conftest import PASSWORD

from server import create_app, passwords
from server.extensions import db
from tests.sync_helpers import Device, new_id

ROOT = Path(__file__).resolve().parents[1]


def test_argon2id_with_rfc9106_low_memory_parameters():
    hasher = passwords._hasher
    assert hasher.type is Type.ID
    assert hasher.time_cost >= 3 and hasher.memory_cost >= 64 * 1024 and hasher.parallelism >= 1
    digest = passwords.hash_password("a long enough password")
    assert digest.startswith(f"$argon2id$v={ARGON2_VERSION}$m=65536,t=3,p=4$")
    assert passwords.verify_password(digest, "a long enough password")
    assert not passwords.verify_password(digest, "a long enough passworD")
    assert not passwords.verify_password(None, "anything")  # unknown email: dummy hash


def test_login_rate_limit_per_address(app, client, org):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    codes = [client.post("/api/v1/auth/login", json={"email": "nobody@test",
                                                        "password": "x"}).status_code
             for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


def test_failures_delay_even_the_right_password(app, client, org):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    for _ in range(app.config["LOGIN_DELAY_AFTER_FAILURES"]):
        assert client.post("/api/v1/auth/login", json={
            "email": org.rep1.email, "password": "wrong password"}).status_code == 401
    response = client.post("/api/v1/auth/login", json={"email": org.rep1.email,
                                                       "password": PASSWORD})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    # Another account is not affected.
    assert client.post("/api/v1/auth/login", json={"email": org.rep2.email,
                                                   "password": PASSWORD}).status_code == 200


def test_no_cookies_anywhere_so_no_csrf(client, org, auth):
    headers = auth.headers(org.rep1)
    responses = [
        client.post("/api/v1/auth/login", json={"email": org.rep2.email, "password": PASSWORD}),
        client.post("/api/v1/auth/login", json={"email": org.rep2.email, "password": "bad"}),
        client.get("/api/v1/auth/me", headers=headers),
        client.get("/api/v1/customers", headers=headers),
        client.post("/api/v1/sync/pull", headers=headers,
                    json={"schema_version": 1, "client_id": "cookie-check", "cursor": 0}),
        client.get("/api/v1/customers"),
        client.get("/"), client.get("/sw.js"), client.get("/healthz"),
    ]
    for response in responses:
        assert "Set-Cookie" not in response.headers, response.request.path
    # A request carrying only cookies (what a cross-site form would send) is not signed in.
    client.set_cookie("access_token_cookie", headers["Authorization"].split()[1])
    client.set_cookie("session", "anything")
    assert client.get("/api/v1/auth/me").status_code == 401


def test_security_headers_and_csp(client, org, auth):
    for path in ("/", "/api/v1/meta", "/api/v1/customers", "/healthz", "/nope"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp and "object-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/api/v1/customers", headers=auth.headers(org.rep1)).headers[
        "Cache-Control"] == "no-store"


class _InlineScripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> handler")
            if name in ("href", "src") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "script":
            if not attrs.get("src"):
                self.problems.append("<script> without src")
            self._in_script = True
        if tag == "style":
            self.problems.append("<style> element")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline script text")


def test_the_pwa_shell_has_no_inline_script_or_handlers(client):
    for html in (ROOT / "pwa/static/index.html").read_text("utf-8"), \
            client.get("/").get_data(as_text=True):
        parser = _InlineScripts()
        parser.feed(html)
        assert parser.problems == []


def test_cors_closed_by_default(app, client, org, auth):
    assert app.config["CORS_ORIGINS"] == [] or app.config["CORS_ORIGINS"] is None \
        or not app.config["CORS_ORIGINS"]
    evil = {"Origin": "https://evil.example"}
    for response in (client.get("/api/v1/meta", headers=evil),
                     client.options("/api/v1/customers", headers={
                         **evil, "Access-Control-Request-Method": "POST"}),
                     client.get("/api/v1/customers", headers={**evil, **auth.headers(org.rep1)}),
                     client.post("/api/v1/auth/login", headers=evil,
                                 json={"email": org.rep1.email, "password": PASSWORD})):
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_opens_only_for_configured_origins(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/c.db",
                      "SECRET_KEY": "x" * 40, "CORS_ORIGINS": ["https://crm.example"]})
    client = app.test_client()
    good = client.get("/api/v1/meta", headers={"Origin": "https://crm.example"})
    assert good.headers["Access-Control-Allow-Origin"] == "https://crm.example"
    bad = client.get("/api/v1/meta", headers={"Origin": "https://crm.example.evil"})
    assert "Access-Control-Allow-Origin" not in bad.headers


def test_request_size_limits(app, client, org, auth):
    assert app.config["MAX_CONTENT_LENGTH"] == 4 * 1024 * 1024
    headers = auth.headers(org.rep1)
    big = b'{"name": "' + b"x" * (5 << 20) + b'"}'
    for path in ("/api/v1/customers", "/api/v1/auth/login", "/api/v1/sync/push"):
        response = client.post(path, data=big, headers={**headers,
                                                        "Content-Type": "application/json"})
        assert response.status_code == 413, path
        assert response.get_json()["code"] == 413
    long_password = client.post("/api/v1/auth/login", json={"email": org.rep1.email,
                                                            "password": "p" * 10_000})
    assert long_password.status_code == 422  # no Argon2 work on a 10 kB password


def test_no_password_token_or_personal_data_in_logs(app, client, org, auth, caplog):
    caplog.set_level(logging.DEBUG)
    secret_password = PASSWORD
    login = client.post("/api/v1/auth/login", json={"email": org.rep1.email,
                                                    "password": secret_password})
    tokens = login.get_json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    client.post("/api/v1/auth/login", json={"email": org.rep1.email,
                                            "password": "wrong-" + secret_password})
    device = Device(client, headers, "logs")
    customer, contact = new_id(), new_id()
    personal = {"family": "spouse-name-Zhang-Min-7731", "hometown": "hometown-Yixing-5512",
                "children": "daughter-at-Nanjing-University-4410"}
    device.push(device.put("customers", customer, {"name": "Log Check Ltd"}),
                device.put("contacts", contact, {"customer_id": customer, "name": "Chen"}),
                device.put("contact_personal", contact, {"customer_id": customer, **personal}))
    device.pull()
    # A refused and an invalid personal write are logged no differently.
    device.push(device.put("contact_personal", contact, {"customer_id": customer,
                                                         "family": "x" * 3000}))
    client.post("/api/v1/auth/refresh",
                headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    client.post("/api/v1/auth/logout", headers=headers)
    db.session.commit()
    text = caplog.text + "\n".join(str(record.args) for record in caplog.records)
    for secret in [secret_password, tokens["access_token"], tokens["refresh_token"],
                   tokens["access_token"].split(".")[2], *personal.values()]:
        assert secret not in text


@pytest.mark.parametrize("path", ["/api/v1/openapi.json"])
def test_openapi_declares_bearer_auth_only(client, path):
    document = client.get(path).get_json()
    schemes = document["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http"}
    assert all(scheme.get("scheme") == "bearer" for scheme in schemes.values())
    assert not re.search(r'"in":\s*"cookie"', str(document))


def test_nul_characters_are_refused_on_every_backend(client, org, auth):
    # PostgreSQL cannot store NUL in text; found by schemathesis as a 500 on login.
    headers = auth.headers(org.rep1)
    for response in (
            client.post("/api/v1/auth/login", json={"email": "a\x00@test", "password": "x"}),
            client.post("/api/v1/customers", headers=headers, json={"name": "Nul\x00Ltd"}),
            client.get("/api/v1/customers?q=ab%00cd", headers=headers)):
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["code"] == 422
    ok = client.post("/api/v1/customers", headers=headers, json={"name": "Back\\u0000slash"})
    assert ok.status_code == 201 and ok.get_json()["name"] == "Back\\u0000slash"
