"""Settings: defaults here, then the environment, then a test mapping (see create_app)."""

import math
import os
from datetime import timedelta

# A default secret that must be overridden outside debug and test (create_app refuses).
DEFAULT_SECRET = "dev-only-insecure-secret-change-me"

# A sign-in lasts this long after its last refresh: a month offline and more.
SESSION_DAYS = 45
MAX_SESSION_DAYS = 365

# A check-in farther than this from its customer's recorded location is flagged "far".
CHECKIN_FAR_METERS = 500
MAX_FAR_METERS = 100_000


class ConfigurationError(ValueError):
    """A setting from the environment the app cannot start with."""


def _session_days(value):
    try:
        days = int(value.strip())
    except ValueError:
        days = None
    if days is None or not 1 <= days <= MAX_SESSION_DAYS:
        raise ConfigurationError(
            f"FIELDBOOK_SESSION_DAYS must be a whole number of days from 1 to "
            f"{MAX_SESSION_DAYS}, not {value!r}")
    return days


def from_environment():
    env = os.environ
    settings = {
        "SECRET_KEY": env.get("FIELDBOOK_SECRET_KEY", DEFAULT_SECRET),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL", "sqlite:///" + os.path.abspath(
            os.path.join(os.path.dirname(__file__), "..", "var", "fieldbook.db"))),
        "DEBUG": env.get("FIELDBOOK_DEBUG", "") == "1",
        "DEMO_MODE": env.get("FIELDBOOK_DEMO", "") == "1",
        # Login rate-limit counters: Redis when set, else the database (shared by every
        # worker and node; server/rate_limit_storage.py). Never a worker's memory.
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "fieldbook-db://",
        "CORS_ORIGINS": [o for o in env.get("FIELDBOOK_CORS_ORIGINS", "").split(",") if o],
    }
    if env.get("FIELDBOOK_SESSION_DAYS", "").strip():
        settings["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(
            days=_session_days(env["FIELDBOOK_SESSION_DAYS"]))
    if env.get("FIELDBOOK_CHECKIN_FAR_METERS", "").strip():
        settings["CHECKIN_FAR_METERS"] = _far_meters(env["FIELDBOOK_CHECKIN_FAR_METERS"])
    return settings


def _far_meters(value):
    try:
        meters = float(value.strip())
    except ValueError:
        meters = math.nan
    if not 0 < meters <= MAX_FAR_METERS:  # also false for NaN
        raise ConfigurationError(
            f"FIELDBOOK_CHECKIN_FAR_METERS must be a distance in metres from 1 to "
            f"{MAX_FAR_METERS}, not {value!r}")
    return meters


DEFAULTS = {
    "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=15),
    # A session's lifetime after its last refresh (FIELDBOOK_SESSION_DAYS overrides).
    "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=SESSION_DAYS),
    # A refresh presenting the refresh token just replaced is a retry, not a reuse, this
    # long after the rotation (the phone may have lost the answer on a bad link).
    "REFRESH_REUSE_GRACE_SECONDS": 120,
    "JWT_TOKEN_LOCATION": ["headers"],
    "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
    "API_TITLE": "Fieldbook API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "LOGIN_RATE_LIMIT": "10 per minute",
    # Failed sign-ins slow the next ones down (server/login_throttle.py): this many
    # failures in a row on an email, or from one address (an office NAT carries many
    # phones), then a wait of 1 s doubling on each failure up to the cap; a key this long
    # without a failure starts again.
    "LOGIN_DELAY_AFTER_FAILURES": 5,
    "LOGIN_ADDRESS_DELAY_AFTER_FAILURES": 20,
    "LOGIN_MAX_DELAY_SECONDS": 300,
    "LOGIN_FAILURES_FORGOTTEN_AFTER": 3600,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # FIELDBOOK_CHECKIN_FAR_METERS overrides; phones read it from /api/v1/meta.
    "CHECKIN_FAR_METERS": CHECKIN_FAR_METERS,
}
