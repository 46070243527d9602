"""Settings: defaults here, then the environment, then a test mapping (see create_app)."""

import os
from datetime import timedelta

# A default secret that must be overridden outside debug and test (create_app refuses).
DEFAULT_SECRET = "dev-only-insecure-secret-change-me"


def from_environment():
    env = os.environ
    return {
        "SECRET_KEY": env.get("FIELDBOOK_SECRET_KEY", DEFAULT_SECRET),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL", "sqlite:///" + os.path.abspath(
            os.path.join(os.path.dirname(__file__), "..", "var", "fieldbook.db"))),
        "DEBUG": env.get("FIELDBOOK_DEBUG", "") == "1",
        "DEMO_MODE": env.get("FIELDBOOK_DEMO", "") == "1",
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL", "memory://"),
        "CORS_ORIGINS": [o for o in env.get("FIELDBOOK_CORS_ORIGINS", "").split(",") if o],
    }


DEFAULTS = {
    "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=15),
    # A rep may work a week offline and still sync when signal returns.
    "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=14),
    "JWT_TOKEN_LOCATION": ["headers"],
    "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
    "API_TITLE": "Fieldbook API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "LOGIN_RATE_LIMIT": "10 per minute",
    "LOGIN_LOCKOUT_FAILURES": 10,
    "LOGIN_LOCKOUT_MINUTES": 15,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
}
