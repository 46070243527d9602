"""The decision chain: contacts at a customer, and their sensitive personal data."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Synced, customer_fk

PERSONAL_FIELDS = (
    "family", "education", "spouse", "children", "sports", "food", "pets", "car", "reading",
    "residence", "last_holiday", "next_holiday", "hometown", "other_organisations",
    "itinerary", "colleague_relationships",
)


class Contact(Synced, Base):
    __tablename__ = "contacts"

    customer_id: Mapped[str] = customer_fk()
    name: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(120), default="")
    department: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    level: Mapped[str | None] = mapped_column(sa.String(16))
    roles: Mapped[list] = mapped_column(default=list)  # domain.CONTACT_ROLES values
    stance: Mapped[str | None] = mapped_column(sa.String(16))
    mindshare: Mapped[str | None] = mapped_column(sa.String(8))
    heartshare: Mapped[str | None] = mapped_column(sa.String(8))
    reports_to_id: Mapped[str | None] = mapped_column(sa.String(36))
    notes: Mapped[str] = mapped_column(sa.Text, default="")


class ContactPersonal(Synced, Base):
    """Personal data (个人资料) of one contact; ``id`` is the contact's id.

    A table of its own so that access can follow a stricter rule (owner rep, their
    manager, admins) and never travels with the contact to anyone else.
    """

    __tablename__ = "contact_personal"

    customer_id: Mapped[str] = customer_fk()
    family: Mapped[str] = mapped_column(sa.Text, default="")
    education: Mapped[str] = mapped_column(sa.Text, default="")
    spouse: Mapped[str] = mapped_column(sa.Text, default="")
    children: Mapped[str] = mapped_column(sa.Text, default="")
    sports: Mapped[str] = mapped_column(sa.Text, default="")
    food: Mapped[str] = mapped_column(sa.Text, default="")
    pets: Mapped[str] = mapped_column(sa.Text, default="")
    car: Mapped[str] = mapped_column(sa.Text, default="")
    reading: Mapped[str] = mapped_column(sa.Text, default="")
    residence: Mapped[str] = mapped_column(sa.Text, default="")
    last_holiday: Mapped[str] = mapped_column(sa.Text, default="")
    next_holiday: Mapped[str] = mapped_column(sa.Text, default="")
    hometown: Mapped[str] = mapped_column(sa.Text, default="")
    other_organisations: Mapped[str] = mapped_column(sa.Text, default="")
    itinerary: Mapped[str] = mapped_column(sa.Text, default="")
    colleague_relationships: Mapped[str] = mapped_column(sa.Text, default="")
