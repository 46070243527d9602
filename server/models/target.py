"""Monthly sales targets per user (销售目标), set by managers for their reps."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, new_id, utcnow


class Target(Base):
    """A target amount for one user, one month, one currency.

    Not a synced table: a target belongs to a person, not to a customer, and sync
    scope follows customers (see docs/pipeline.md, "Targets").
    """

    __tablename__ = "targets"
    __table_args__ = (sa.UniqueConstraint("user_id", "month", "currency",
                                          name="uq_targets_user_month_currency"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("users.id"), index=True)
    month: Mapped[str] = mapped_column(sa.String(7))  # YYYY-MM
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2))
    set_by: Mapped[str | None] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
