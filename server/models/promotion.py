"""Stage promotions: a rep's evidence-backed claim that a deal passed a milestone gate."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Synced, customer_fk


class Promotion(Synced, Base):
    """One request to move an opportunity to a later milestone (or to close it as lost),
    and the manager's decision on it. Synced, so both happen offline.

    The rules (who may request and decide, re-validation, the approval's effect on the
    opportunity) are the ``promotions`` hooks in ``server/promotions.py``.
    """

    __tablename__ = "promotions"

    customer_id: Mapped[str] = customer_fk()
    opportunity_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    requested_by: Mapped[str] = mapped_column(sa.String(36), index=True)  # server-filled
    kind: Mapped[str] = mapped_column(sa.String(8), default="promote")  # promote | lost
    from_milestone: Mapped[int] = mapped_column()
    to_milestone: Mapped[int | None] = mapped_column()  # None for kind "lost"
    lost_reason: Mapped[str | None] = mapped_column(sa.String(24))
    lost_note: Mapped[str] = mapped_column(sa.Text, default="")
    criteria_met: Mapped[list] = mapped_column(default=list)  # indexes into the stage criteria
    justification: Mapped[str] = mapped_column(sa.Text, default="")
    skip_reason: Mapped[str] = mapped_column(sa.Text, default="")
    visit_ids: Mapped[list] = mapped_column(default=list)
    contact_ids: Mapped[list] = mapped_column(default=list)
    evidence_warnings: Mapped[list] = mapped_column(default=list)  # server-computed
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    decided_by: Mapped[str | None] = mapped_column(sa.String(36))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_comment: Mapped[str] = mapped_column(sa.Text, default="")
