"""The stage template: the pipeline's milestones, editable by admins."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Synced


class Stage(Synced, Base):
    """One milestone. Synced to every phone (it belongs to no customer)."""

    __tablename__ = "stages"

    customer_id = None  # reference data: visible to everyone
    number: Mapped[int] = mapped_column(unique=True)
    key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_zh: Mapped[str] = mapped_column(sa.String(120))
    probability: Mapped[int] = mapped_column()
    definition_en: Mapped[str] = mapped_column(sa.Text, default="")
    definition_zh: Mapped[str] = mapped_column(sa.Text, default="")
    criteria_rule: Mapped[str] = mapped_column(sa.String(3), default="all")  # all | any
    criteria: Mapped[list] = mapped_column(default=list)  # [{"en", "zh"}]
    checklist: Mapped[list] = mapped_column(default=list)  # [{"en", "zh"}]
    evidence: Mapped[dict] = mapped_column(default=dict)  # see stage_defaults
    stall_days: Mapped[int] = mapped_column(default=30)
