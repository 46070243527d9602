"""Opportunities (projects) moving through the milestones of the stage template."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Synced, customer_fk


class Opportunity(Synced, Base):
    __tablename__ = "opportunities"

    customer_id: Mapped[str] = customer_fk()
    owner_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    expected_close_date: Mapped[date | None] = mapped_column()
    buying_stage: Mapped[str | None] = mapped_column(sa.String(24))
    competitors: Mapped[list] = mapped_column(default=list)  # competitor names on this deal
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # Server-authoritative: changed only by an approved promotion (see promotions).
    milestone: Mapped[int] = mapped_column(default=1)
    probability: Mapped[int] = mapped_column(default=5)
    status: Mapped[str] = mapped_column(sa.String(8), default="open")
    stage_entered_at: Mapped[datetime | None] = mapped_column()
    lost_reason: Mapped[str | None] = mapped_column(sa.String(24))
    lost_note: Mapped[str] = mapped_column(sa.Text, default="")
