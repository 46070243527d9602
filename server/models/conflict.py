"""Conflict records: the value that lost a concurrent edit, kept for people to resolve."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Synced, customer_fk


class Conflict(Synced, Base):
    __tablename__ = "conflicts"

    customer_id: Mapped[str] = customer_fk()
    table_name: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # field | text | delete
    # {field: {"lost": value, "kept": value}}
    fields: Mapped[dict] = mapped_column(default=dict)
    lost_by: Mapped[str | None] = mapped_column(sa.String(36))
    lost_client: Mapped[str | None] = mapped_column(sa.String(64))
    won_by: Mapped[str | None] = mapped_column(sa.String(36))
    status: Mapped[str] = mapped_column(sa.String(12), default="open")  # open|resolved|dismissed
    # A delete conflict: the record's last values (the fields a device may write), so a
    # phone can re-create it whole. None for the other kinds.
    record: Mapped[dict | None] = mapped_column()
