"""Failed sign-ins slow the next ones down, per account and per client address.

Counted in the database (``login_throttle``), so every worker and every node sees the
same counters, on SQLite as on PostgreSQL, without Redis. The account key is the email
as typed, normalised, whether or not a user has it: an unknown email is slowed and
answered exactly as a real one, so the answers reveal nobody's existence.

After ``LOGIN_DELAY_AFTER_FAILURES`` failures in a row on an account (the address
allows ``LOGIN_ADDRESS_DELAY_AFTER_FAILURES``, as an office NAT carries many phones),
each failure makes the key wait before its next attempt is checked: 1 s, then 2, 4, ...
up to ``LOGIN_MAX_DELAY_SECONDS``. An attempt during the wait is refused (429, Retry-After)
before the password is checked, right or wrong, or the refusal would tell a guesser when
a guess was right; it does not count, so the owner waits at most the cap. A sign-in
resets its account's counter; a key ``LOGIN_FAILURES_FORGOTTEN_AFTER`` seconds without
a failure starts again from zero. The address counter is not reset by a sign-in, or one
valid account would let its holder guess at every other without slowing down.
"""

import math
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from .errors import ApiError
from .extensions import db
from .models import LoginThrottle
from .rate_limit_storage import upsert

ACCOUNT, ADDRESS = "account", "address"


class TooManyAttempts(ApiError):
    """429 in the one error shape; the Retry-After header says when to try again."""

    def __init__(self, seconds, what="failed sign-ins"):
        super().__init__(429, f"Too many {what}: try again in {seconds} s")
        self.data = {"headers": {"Retry-After": str(seconds)}}


def too_many_from_address(request_limit):
    """Flask-Limiter's on_breach for LOGIN_RATE_LIMIT: the same 429 as a wait, with
    Retry-After at the end of the address's window."""
    seconds = max(1, math.ceil(request_limit.reset_at - time.time()))
    raise TooManyAttempts(seconds, "sign-in attempts from this address")


def normalised_email(email):
    return email.strip().lower()


def keys_for(email, address):
    """The keys one sign-in attempt is counted under."""
    return [(ACCOUNT, normalised_email(email)), (ADDRESS, address or "unknown")]


def refuse_while_waiting(keys, now):
    """Raise TooManyAttempts while any of ``keys`` must still wait."""
    until = db.session.scalar(sa.select(sa.func.max(LoginThrottle.blocked_until)).where(
        sa.tuple_(LoginThrottle.scope, LoginThrottle.key).in_(keys),
        LoginThrottle.blocked_until > now))
    if until is not None:
        raise TooManyAttempts(max(1, math.ceil((until - now).total_seconds())))


def count_failure(keys, now):
    """One more failure on each key; a key past its allowance waits before the next."""
    for scope, key in keys:
        failures = _add_failure(scope, key, now)
        delay = _delay(failures, _allowance(scope))
        if delay:
            db.session.execute(sa.update(LoginThrottle).where(
                LoginThrottle.scope == scope, LoginThrottle.key == key).values(
                blocked_until=now + timedelta(seconds=delay)))
    db.session.commit()


def forget_account(email):
    """A sign-in: the account starts again from zero (its address does not)."""
    db.session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.scope == ACCOUNT, LoginThrottle.key == normalised_email(email)))


def prune(now):
    """Forget keys without a failure for LOGIN_FAILURES_FORGOTTEN_AFTER; the caller
    commits. Returns how many went."""
    return db.session.execute(sa.delete(LoginThrottle).where(
        LoginThrottle.last_failure_at < _forgotten_before(now))).rowcount


def _add_failure(scope, key, now):
    """The key's failures in a row, this one included (an old run is forgotten)."""
    forgotten = LoginThrottle.last_failure_at < _forgotten_before(now)
    return db.session.execute(upsert(
        LoginThrottle, {"scope": scope, "key": key, "failures": 1, "last_failure_at": now},
        {"failures": sa.case((forgotten, 1), else_=LoginThrottle.failures + 1),
         "last_failure_at": now}).returning(LoginThrottle.failures)).scalar_one()


def _allowance(scope):
    name = "LOGIN_DELAY_AFTER_FAILURES" if scope == ACCOUNT \
        else "LOGIN_ADDRESS_DELAY_AFTER_FAILURES"
    return current_app.config[name]


def _delay(failures, allowance):
    """Seconds to wait after the ``failures``-th failure in a row: none before the
    allowance is used up, then 1 s doubling on each failure, capped."""
    if failures < allowance:
        return 0
    cap = current_app.config["LOGIN_MAX_DELAY_SECONDS"]
    return min(cap, 2 ** min(failures - allowance, 32))


def _forgotten_before(now):
    return now - timedelta(seconds=current_app.config["LOGIN_FAILURES_FORGOTTEN_AFTER"])
