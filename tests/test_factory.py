import pytest

from server import InsecureConfiguration, create_app


def test_refuses_default_secret_outside_debug_and_test(monkeypatch):
    monkeypatch.delenv("FIELDBOOK_SECRET_KEY", raising=False)
    with pytest.raises(InsecureConfiguration):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_starts_with_a_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv("FIELDBOOK_SECRET_KEY", "a-real-secret-from-the-environment-0123456789")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not app.testing
    assert app.config["SECRET_KEY"] == "a-real-secret-from-the-environment-0123456789"


def test_testing_config_is_applied(app):
    assert app.testing


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_demo_credentials_are_announced_only_in_demo_mode(app, client):
    assert client.get("/api/v1/meta").get_json()["demo"] is False
    app.config["DEMO_MODE"] = True
    assert client.get("/api/v1/meta").get_json()["demo"] is True


def test_json_answers_keep_their_types_and_text(app):
    # The JSON provider writes with orjson: money stays a number, dates keep Flask's
    # format, Chinese travels as UTF-8, and what orjson cannot write (an integer wider
    # than 64 bits) still goes out, through the standard module.
    from datetime import UTC, datetime
    from decimal import Decimal

    with app.test_request_context():
        body = app.json.response({"amount": Decimal("12.50"), "city": "苏州",
                                  "at": datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
                                  "errors": {0: ["Not a valid string."]}})
        assert body.get_data() == ('{"amount":12.5,"city":"苏州",'
                                   '"at":"Mon, 23 Nov 2026 05:00:00 GMT",'
                                   '"errors":{"0":["Not a valid string."]}}\n').encode()
        assert "1180591620717411303424" in app.json.dumps({"n": 2**70})
