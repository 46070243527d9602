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
