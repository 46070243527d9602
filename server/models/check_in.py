"""Check-ins and check-outs on site (签到/签退): where and when a rep was at a customer."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Synced, customer_fk


class CheckIn(Synced, Base):
    """One check-in or check-out, as the phone took it: append-only (server/check_ins.py).

    ``device_at`` is the phone's clock when the rep tapped; ``received_at`` the server's
    when the record first arrived, so a late upload shows as the gap between the two.
    """

    __tablename__ = "check_ins"

    customer_id: Mapped[str] = customer_fk()
    visit_id: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    user_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(3))  # in | out
    device_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime | None] = mapped_column()
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    # From the customer's recorded location as the check-in arrived (None: either unknown).
    distance_m: Mapped[float | None] = mapped_column(sa.Float)
    far: Mapped[bool] = mapped_column(default=False)
    # Why there is no (trustworthy) position: denied | unavailable | timeout | low_accuracy.
    no_position_reason: Mapped[str | None] = mapped_column(sa.String(16))
