"""A Flask-Limiter (``limits``) storage in the app's database: ``fieldbook-db://``.

The default when no Redis is configured, so the login rate limit is one counter per
address for every worker and node, on SQLite as on PostgreSQL (memory:// would give
each gunicorn worker its own). Fixed windows only, the limiter's default strategy.
"""

import time

import sqlalchemy as sa
from flask import current_app
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from .models import RateLimitCounter

SCHEME = "fieldbook-db"


def _db():
    # The app's Flask-SQLAlchemy (this module is imported by server/extensions.py).
    return current_app.extensions["sqlalchemy"]


def upsert(model, values, set_):
    """INSERT ``values``, or on a primary-key clash UPDATE ``set_`` (expressions may read
    the row as it was), in one atomic statement on SQLite and PostgreSQL alike."""
    dialect = postgresql if _db().engine.dialect.name == "postgresql" else sqlite
    keys = [column.name for column in sa.inspect(model).primary_key]
    return dialect.insert(model).values(values).on_conflict_do_update(
        index_elements=keys, set_=set_)


class DatabaseStorage(Storage):
    """Counters in ``rate_limit_counters``: one row per limiter key, restarted when its
    window has passed. Each hit is committed at once, before the view runs."""

    STORAGE_SCHEME = [SCHEME]

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key, expiry, amount=1):
        now = time.time()
        passed = RateLimitCounter.expires_at <= now
        count = _db().session.execute(upsert(
            RateLimitCounter, {"key": key, "count": amount, "expires_at": now + expiry},
            {"count": sa.case((passed, amount), else_=RateLimitCounter.count + amount),
             "expires_at": sa.case((passed, now + expiry),
                                   else_=RateLimitCounter.expires_at)},
        ).returning(RateLimitCounter.count)).scalar_one()
        _db().session.commit()
        return count

    def get(self, key):
        return _db().session.scalar(sa.select(RateLimitCounter.count).where(
            RateLimitCounter.key == key, RateLimitCounter.expires_at > time.time())) or 0

    def get_expiry(self, key):
        expires_at = _db().session.scalar(sa.select(RateLimitCounter.expires_at).where(
            RateLimitCounter.key == key))
        return expires_at if expires_at is not None else time.time()

    def check(self):
        try:
            _db().session.execute(sa.select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self):
        return self._delete(sa.true())

    def clear(self, key):
        self._delete(RateLimitCounter.key == key)

    @staticmethod
    def _delete(where):
        count = _db().session.execute(sa.delete(RateLimitCounter).where(where)).rowcount
        _db().session.commit()
        return count


def prune(session, now=None):
    """Forget counters whose window has passed; the caller commits."""
    return session.execute(sa.delete(RateLimitCounter).where(
        RateLimitCounter.expires_at <= (now or time.time()))).rowcount
