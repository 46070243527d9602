"""Visit plans (拜访计划): a visit a rep means to make, and the visit that made it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Synced, customer_fk


class VisitPlan(Synced, Base):
    __tablename__ = "visit_plans"

    customer_id: Mapped[str] = customer_fk()
    # Who is to make the visit: the writer by default; a manager plans for their reps.
    rep_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("users.id"), index=True)
    contact_ids: Mapped[list] = mapped_column(default=list)
    planned_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    type: Mapped[str] = mapped_column(sa.String(24))
    status: Mapped[str] = mapped_column(sa.String(10), default="planned")
    # The visit logged from this plan (set with status "done").
    visit_id: Mapped[str | None] = mapped_column(sa.String(36))
