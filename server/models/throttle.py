"""Sign-in throttling counters, in the database so every worker and node shares them."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class LoginThrottle(Base):
    """Failed sign-ins in a row for one key: an account (the normalised email as typed,
    whether or not a user has it) or a client address; ``blocked_until`` is when the next
    attempt may be checked (server/login_throttle.py)."""

    __tablename__ = "login_throttle"

    scope: Mapped[str] = mapped_column(sa.String(8), primary_key=True)  # account | address
    key: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None] = mapped_column()


class RateLimitCounter(Base):
    """One Flask-Limiter fixed-window counter, when no Redis is configured
    (server/rate_limit_storage.py)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[float] = mapped_column(sa.Float, index=True)  # seconds since the epoch
