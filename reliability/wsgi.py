"""``gunicorn reliability.wsgi:app``: the production app factory, unchanged but for the
login rate limit, which the environment may raise (``RELIABILITY_LOGIN_RATE_LIMIT``):
hundreds of simulated phones signing in from 127.0.0.1 is the load test, not an attack.
The lockout, the token rules and everything else stay as in production."""

import os

from server import create_app

app = create_app({"LOGIN_RATE_LIMIT": os.environ.get("RELIABILITY_LOGIN_RATE_LIMIT",
                                                     "10 per minute")})
