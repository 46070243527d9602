"""Declarative base and the columns every synced table shares."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

JSONType = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


class UTCDateTime(sa.TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC datetimes only")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def new_id():
    return str(uuid.uuid4())


def utcnow():
    return datetime.now(UTC)


class Base(DeclarativeBase):
    # A registry (not a type_annotation_map attribute) so Flask-SQLAlchemy can subclass it.
    registry = registry(type_annotation_map={datetime: UTCDateTime, dict: JSONType,
                                             list: JSONType})


class Synced:
    """Columns the sync engine needs on every synced table (docs/sync-protocol.md).

    - ``id``: a UUID the phone makes, so records created offline need no round trip.
    - ``customer_id``: the key account the record belongs to; scope follows it.
    - ``seq``: the global change sequence number of the record's last change.
    - ``field_versions``: for each field, the HLC of the edit that wrote its value.
    - ``deleted``: a tombstone; deleted rows stay so they can never come back.
    """

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    seq: Mapped[int] = mapped_column(sa.BigInteger, index=True, default=0)
    field_versions: Mapped[dict] = mapped_column(default=dict)
    deleted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(sa.String(36))
    updated_by: Mapped[str | None] = mapped_column(sa.String(36))


def customer_fk():
    return mapped_column(sa.String(36), sa.ForeignKey("customers.id"), index=True)
