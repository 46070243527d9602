"""Check-ins on site (签到/签退) as sync-engine hooks, on the one write path (a phone's push
or a REST call alike), inside the write's ChangeSet:

- a check-in is a record of what happened: devices create it, nobody changes it
  (``read_only_field``) nor deletes it (the table is not deletable);
- the server fills ``received_at`` (its own clock, when the record first arrives),
  ``distance_m`` (haversine from the customer's recorded location, when both exist) and
  ``far`` (farther than ``CHECKIN_FAR_METERS``), whatever the device sent: the phone
  computes the same for its own display, but the manager reads the server's.
"""

import math
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, has_app_context

from sync.engine import Rejected, wire

from .config import CHECKIN_FAR_METERS
from .models import Customer

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG); the PWA uses the same
SERVER_FILLED = ("received_at", "distance_m", "far")


def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (haversine), to the decimetre."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))), 1)


def far_meters():
    """The distance past which a check-in is flagged far (FIELDBOOK_CHECKIN_FAR_METERS)."""
    if not has_app_context():
        return CHECKIN_FAR_METERS
    return current_app.config.get("CHECKIN_FAR_METERS", CHECKIN_FAR_METERS)


def on_create(policy, values):
    return {"user_id": policy.user_id}


def before_write(changes, key, before, values):
    """The ``check_ins`` before-write hook (TableSpec.before_write)."""
    if before is not None:
        _refuse_change(before, values)
        return
    values["received_at"] = datetime.fromtimestamp(changes.now(), UTC)
    values["distance_m"] = _distance_to_customer(changes, values)
    values["far"] = values["distance_m"] is not None and values["distance_m"] > far_meters()


def _refuse_change(before, values):
    """The same check-in sent again changes nothing; any other edit is refused."""
    for name in SERVER_FILLED:
        values.pop(name, None)
    changed = sorted(name for name, value in values.items()
                     if wire(value) != wire(before.get(name)))
    if changed:
        raise Rejected("read_only_field", "A check-in is kept as it was made and cannot be "
                                          f"changed: {', '.join(changed)}")


def _distance_to_customer(changes, values):
    if values.get("latitude") is None or values.get("longitude") is None:
        return None
    table = Customer.__table__
    where = changes.conn.execute(sa.select(table.c.latitude, table.c.longitude).where(
        table.c.id == values["customer_id"])).first()
    if where is None or where.latitude is None or where.longitude is None:
        return None
    return distance_m(where.latitude, where.longitude, values["latitude"], values["longitude"])
