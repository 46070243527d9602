"""Visits and other sales activities, and the next actions they create."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Synced, customer_fk


class Visit(Synced, Base):
    __tablename__ = "visits"

    customer_id: Mapped[str] = customer_fk()
    opportunity_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    # The visit plan this visit carried out (server/visit_plans.py marks it done).
    plan_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    author_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("users.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(24))
    contact_ids: Mapped[list] = mapped_column(default=list)
    occurred_at: Mapped[datetime] = mapped_column()
    duration_minutes: Mapped[int] = mapped_column(default=0)
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    cost_amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0"))
    cost_currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    gift_value: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0"))


class Task(Synced, Base):
    """A next action from a visit (下一步行动方案): what, who, by when, checkpoint."""

    __tablename__ = "tasks"

    customer_id: Mapped[str] = customer_fk()
    visit_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    assignee_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("users.id"), index=True)
    what: Mapped[str] = mapped_column(sa.Text)
    who: Mapped[str] = mapped_column(sa.String(120), default="")
    due_date: Mapped[date | None] = mapped_column()
    checkpoint: Mapped[str] = mapped_column(sa.Text, default="")
    done: Mapped[bool] = mapped_column(default=False)
