"""Pull throughput (first sync of a big rep), incremental sync of one change (the
routine pull and the verified one), and the raw comparison: a plain SELECT of the same
rows serialized to JSON, in the same run."""

import gzip
import json
import time
import uuid

import sqlalchemy as sa

from .common import Http, add_reps, gunicorn, make_app, ratio, seed

PULL_LIMIT = 1000  # the reference client's page size


def raw_select_json(app, rep_id):
    """Every live record of the rep's customers, plain SELECT, rows to JSON (gzip level 6
    as the server sends): (records, seconds, gzip bytes)."""
    from server.extensions import db
    from server.sync_registry import registry

    with app.app_context():
        started = time.perf_counter()
        conn = db.session.connection()
        customers = registry["customers"].table
        scope = sa.select(customers.c.id).where(customers.c.owner_id == rep_id)
        records, wire = 0, 0
        for spec in registry.specs.values():
            table = spec.table
            query = sa.select(table).where(table.c.deleted.is_(False))
            if spec.scope_column is not None:
                query = query.where(table.c[spec.scope_column].in_(scope))
            rows = [row._asdict() for row in conn.execute(query)]
            records += len(rows)
            for start in range(0, len(rows), PULL_LIMIT):
                body = json.dumps(rows[start:start + PULL_LIMIT], default=str,
                                  ensure_ascii=False, separators=(",", ":")).encode()
                wire += len(gzip.compress(body, 6))
        seconds = time.perf_counter() - started
        db.session.rollback()
        return records, seconds, wire


def change_one_field(app, customer_id, user_id):
    """Another device edits one field of one customer through the engine."""
    from server.access import Access
    from server.extensions import db
    from server.models import User
    from server.sync_registry import registry
    from sync.engine import ChangeSet

    with app.app_context():
        user = db.session.get(User, user_id)
        access = Access.for_user(db.session, user)
        db.session.commit()
        with ChangeSet(db.session, registry, access, client_id="bench-other") as changes:
            changes.put("customers", customer_id, {"city": f"Changed {uuid.uuid4().hex[:6]}"})
        db.session.commit()


def first_customer(app, rep_id):
    from server.extensions import db
    from server.models import Customer

    with app.app_context():
        return db.session.scalar(sa.select(Customer.id).where(Customer.owner_id == rep_id)
                                 .limit(1))


def run_first_sync(results, url, backend, customers=5000, contacts=4, visits=10,
                   incremental_scales=(1, 10)):
    """First sync at 1x, then one-change incremental syncs at each scale (the rep's data
    grown to scale x by more seeding)."""
    app = make_app(url)
    (rep_id, email), = add_reps(app, 1)
    seeded = seed(app, rep_id, customers, contacts, visits)
    with gunicorn(url, workers=1) as base:
        device = Http(base, email)
        records, pages, wire, seconds, page = device.pull_all(0, PULL_LIMIT)
    raw_records, raw_seconds, raw_wire = raw_select_json(app, rep_id)
    rate, raw_rate = records / seconds, raw_records / raw_seconds
    results.add(f"pull_first_sync_{backend}", round(rate), "records/s",
                ratio=f"{ratio(rate, raw_rate)} of raw SELECT+JSON",
                note=(f"{records} records in {seconds:.2f} s, {pages} pages of {PULL_LIMIT}; "
                      f"raw {raw_rate:.0f}/s"),
                records=records, seconds=round(seconds, 3), raw_rate=round(raw_rate),
                seed_seconds=round(seeded["seconds"], 1))
    results.add(f"pull_wire_{backend}", round(wire / 1e6, 2), "MB gzip",
                ratio=f"{ratio(wire, raw_wire)} of raw rows gzip",
                note=f"{wire / max(records, 1):.0f} bytes/record", bytes=wire,
                bytes_per_record=round(wire / max(records, 1), 1), raw_bytes=raw_wire)
    incremental(results, app, url, backend, rep_id, email, page["cursor"], 1)
    grown = 1
    for scale in incremental_scales:
        if scale == 1:
            continue
        seed(app, rep_id, customers * (scale - grown), contacts, visits)
        grown = scale
        # The phone is up to date: it starts from the head, as after a full download.
        incremental(results, app, url, backend, rep_id, email, None, scale)
    _dispose(app)
    return seconds


def _head(app):
    from server.extensions import db, sync_tables

    with app.app_context():
        return db.session.scalar(sa.select(sync_tables.state.c.seq))


def incremental(results, app, url, backend, rep_id, email, cursor, scale, repeats=5):
    """One changed field, nothing else: bytes both ways and time of the pull (median),
    as the phone's routine pull (``verify: false``, ``incremental_<db>_<n>x``) and as the
    periodic verified pull with the scope checksum (``incremental_verified_<db>_<n>x``)."""
    customer_id = first_customer(app, rep_id)
    cursor = cursor if cursor is not None else _head(app)
    with gunicorn(url, workers=1) as base:
        device = Http(base, email)
        device.pull(cursor, PULL_LIMIT)  # warm: connection, token, caches
        for verify, name in ((False, "incremental"), (True, "incremental_verified")):
            sizes, times, server_times = [], [], []
            for _ in range(repeats):
                change_one_field(app, customer_id, rep_id)
                status, page, sent, received, elapsed = device.pull(cursor, PULL_LIMIT,
                                                                    verify)
                assert status == 200 and len(page["changes"]) == 1, page
                assert (page["checksum"] is not None) == verify, page
                sizes.append(sent + received)
                times.append(elapsed)
                # The same pull (the one change) in process: the engine's share.
                server_times.append(_server_pull_seconds(app, rep_id, device.client_id,
                                                         cursor, verify))
                cursor = page["cursor"]
            times.sort()
            server_times.sort()
            median = times[len(times) // 2]
            engine = server_times[len(server_times) // 2]
            what = "verify true: with the scope checksum" if verify else \
                "verify false: the phone's routine pull"
            results.add(f"{name}_{backend}_{scale}x", max(sizes), "bytes on the wire",
                        note=(f"{what}; request+gzip response, one field of one customer; "
                              f"round trip {median * 1000:.1f} ms, engine pull() "
                              f"{engine * 1000:.1f} ms median"),
                        round_trip_ms=round(median * 1000, 2), engine_ms=round(engine * 1000, 2),
                        verify=verify)


def _server_pull_seconds(app, rep_id, client_id, cursor, verify):
    """The engine's time for the same pull, in process (no HTTP, no JSON)."""
    from server.access import Access
    from server.extensions import db
    from server.models import User
    from server.sync_registry import registry
    from sync.pull import pull

    with app.app_context():
        access = Access.for_user(db.session, db.session.get(User, rep_id))
        started = time.perf_counter()
        pull(db.session, registry, access, client_id, cursor, PULL_LIMIT, verify=verify)
        seconds = time.perf_counter() - started
        db.session.rollback()
        return seconds


def _dispose(app):
    from server.extensions import db

    with app.app_context():
        db.engine.dispose()
