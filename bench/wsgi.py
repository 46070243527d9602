"""The app as gunicorn runs it for the benchmarks: ``create_app()`` from the environment,
with the login rate limit raised (a benchmark signs in many clients from one address)."""

from server import create_app

app = create_app({"LOGIN_RATE_LIMIT": "10000 per minute"})
