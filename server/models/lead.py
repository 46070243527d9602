"""Leads (线索): a person met in the field, before they are anyone's customer."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Synced


class Lead(Synced, Base):
    """A lead has no customer yet: it is its own scope key (as a customer is), seen by
    its owner, the owner's manager and admins (server/access.py). Qualifying it links
    the customer, contact and opportunity it became; they are plain ids (no foreign
    key) because a phone may push them in any order within one push."""

    __tablename__ = "leads"

    owner_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    company: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    source: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default="new")
    disqualify_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Not customer_id: that name is the sync engine's scope column on other tables.
    qualified_customer_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    qualified_contact_id: Mapped[str | None] = mapped_column(sa.String(36))
    qualified_opportunity_id: Mapped[str | None] = mapped_column(sa.String(36))
