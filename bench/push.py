"""Push throughput: N field mutations from one device, in batches, through a real gunicorn
and the whole engine; side by side with the same rows written by plain SQLAlchemy Core
bulk statements (executemany) into the same database: the records, and the rows the
engine keeps beside them (audit trail, checksum buckets, stored results). The records
alone are written and reported too."""

import random
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from sync import hlc as hlcs

from .common import Http, add_reps, gunicorn, make_app, ratio, seed

ROUNDS = 3

CUSTOMER_FIELDS = {
    "city": lambda r: r.choice(["苏州", "无锡", "上海", "杭州", "Ningbo"]),
    "phone": lambda r: f"0512-{r.randint(1000_0000, 9999_9999)}",
    "address": lambda r: f"工业园区星湖街 {r.randint(1, 999)} 号",
    "industry": lambda r: r.choice(["制药", "Healthcare", "物流仓储"]),
}
CONTACT_FIELDS = {
    "title": lambda r: r.choice(["采购经理", "Chief engineer", "总经理"]),
    "department": lambda r: r.choice(["采购部", "R&D", "设备科"]),
    "phone": lambda r: f"139{r.randint(1000_0000, 9999_9999)}",
}


def _records(app, rep_id):
    from server.extensions import db
    from server.models import Contact, Customer

    with app.app_context():
        customers = db.session.execute(sa.select(Customer.id, Customer.field_versions)
                                       .where(Customer.owner_id == rep_id)).all()
        ids = [c.id for c in customers]
        contacts = db.session.execute(sa.select(Contact.id, Contact.field_versions)
                                      .where(Contact.customer_id.in_(ids))).all()
    return ({k: dict(v) for k, v in customers}, {k: dict(v) for k, v in contacts})


def _current_values(app, rep_id):
    """The rep's customers' and contacts' fields the bench edits, as stored."""
    from server.extensions import db
    from server.models import Contact, Customer

    current = {}
    with app.app_context():
        for table, model, names in (("customers", Customer, CUSTOMER_FIELDS),
                                    ("contacts", Contact, CONTACT_FIELDS)):
            customer_of = Customer.id if model is Customer else Contact.customer_id
            rows = db.session.execute(
                sa.select(model.id, *[getattr(model, name) for name in names])
                .where(customer_of.in_(sa.select(Customer.id).where(
                    Customer.owner_id == rep_id)))).all()
            for key, *values in rows:
                current[table, key] = dict(zip(names, values, strict=True))
    return current


def _contact_customers(app):
    """Each contact's customer (an audit entry names it)."""
    from server.extensions import db
    from server.models import Contact

    with app.app_context():
        return dict(db.session.execute(sa.select(Contact.id, Contact.customer_id)).all())


def make_mutations(count, customers, contacts, client_id, rng, current=None):
    """The outbox of a busy day: 20% new visits, 50% customer edits, 30% contact edits;
    an edited record gets 1 to 3 consecutive one-field mutations, as a form save does.

    ``current``: ``{(table, key): {field: value}}`` of the edited fields as stored. Given,
    every edit changes its field (the engine neither writes nor audits an edit that
    changes nothing, and raw must write what the engine writes); it follows the edits."""
    clock = hlcs.Clock(client_id)
    out = []
    customer_ids, contact_ids = sorted(customers), sorted(contacts)
    while len(out) < count:
        roll = rng.random()
        if roll < 0.2:
            customer_id = rng.choice(customer_ids)
            day = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
            out.append({"op": "put", "table": "visits", "key": str(uuid.uuid4()),
                        "fields": {"customer_id": customer_id, "type": "technical_exchange",
                                   "occurred_at": day, "duration_minutes": 45,
                                   "purpose": "方案交流", "notes": "客户关心交期和售后响应。",
                                   "outcome": "", "cost_amount": 120, "cost_currency": "CNY",
                                   "gift_value": 0, "contact_ids": []},
                        "base": {}})
            continue
        table, pool, makers = (("customers", customer_ids, CUSTOMER_FIELDS) if roll < 0.7
                               else ("contacts", contact_ids, CONTACT_FIELDS))
        key = rng.choice(pool)
        versions = (customers if table == "customers" else contacts)[key]
        for name in rng.sample(sorted(makers), rng.randint(1, 3)):
            value = makers[name](rng)
            if current is not None:
                stored = current.setdefault((table, key), {})
                while value == stored.get(name):
                    value = makers[name](rng)
                stored[name] = value
            out.append({"op": "put", "table": table, "key": key,
                        "fields": {name: value}, "base": {name: versions.get(name)}})
    out = out[:count]
    # Like the reference client: every edit's base is the version the device last pulled
    # (its own pending writes are recognised by the server from the HLC's node).
    for number, mutation in enumerate(out, 1):
        mutation["id"] = number
        mutation["hlc"] = clock.tick()
    return out


def _raw_rows(mutations, customers, contacts, user_id):
    """Per batch: the same writes the engine makes to the records, as plain rows."""
    now = datetime.now(UTC)
    rows = []
    for mutation in mutations:
        fields = dict(mutation["fields"])
        if mutation["table"] == "visits":
            fields["occurred_at"] = datetime.fromisoformat(fields["occurred_at"])
            for money in ("cost_amount", "gift_value"):
                fields[money] = Decimal(fields[money])
            rows.append(("insert", "visits", {
                "id": str(uuid.uuid4()), "seq": 0, "deleted": False,
                "field_versions": {name: mutation["hlc"] for name in fields},
                "created_at": now, "updated_at": now, "created_by": user_id,
                "updated_by": user_id, "author_id": user_id, **fields}))
        else:
            versions = (customers if mutation["table"] == "customers" else contacts)[
                mutation["key"]]
            versions.update({name: mutation["hlc"] for name in fields})
            rows.append(("update", mutation["table"], {
                "_id": mutation["key"], "seq": 0, "field_versions": dict(versions),
                "updated_at": now, "updated_by": user_id, **fields}))
    return rows


def _bookkeeping_rows(mutations, contact_customers, user_id, client_id):
    """Per batch: the rows the engine writes beside the records, as plain rows: an
    audit entry per mutation, a checksum bucket per customer and table touched (added
    to with nothing: the row is written and its sum stays right) and one row of stored
    results. (The engine also updates its one sync_state row and the device's row.)"""
    now = datetime.now(UTC)
    rows, buckets, results = [], set(), []
    for mutation in mutations:
        table, key, fields = mutation["table"], mutation["key"], mutation["fields"]
        customer_id = {"customers": key, "contacts": contact_customers.get(key)}.get(
            table, fields.get("customer_id"))
        rows.append(("insert", "change_log", {
            "seq": None, "table_name": table, "record_id": key, "customer_id": customer_id,
            "op": "create" if table == "visits" else "update", "changes": dict(fields),
            "user_id": user_id, "client_id": client_id, "mutation_id": mutation["id"],
            "at": now}))
        buckets.add((customer_id, table))
        results.append({"id": mutation["id"], "status": "applied", "seq": 10**9})
    rows += [("add", "sync_checksums", {"customer_id": customer_id, "table_name": table,
                                        "checksum": 0, "count": 0})
             for customer_id, table in sorted(buckets)]
    rows.append(("insert", "sync_results", {
        "client_id": client_id, "first_mutation_id": mutations[0]["id"],
        "last_mutation_id": mutations[-1]["id"], "results": results, "processed_at": now}))
    return rows


def raw_write(app, batches, user_id):
    """Core bulk writes of the same rows: one transaction per batch, executemany per
    (table, statement shape). Returns seconds."""
    from server.extensions import db

    with app.app_context():
        engine = db.engine
        tables = _tables()
        seq = 10**9
        started = time.perf_counter()
        for rows in batches:
            groups = {}
            for kind, table, row in rows:
                if "seq" in row:
                    seq += 1
                    row["seq"] = seq
                groups.setdefault((kind, table, tuple(sorted(row))), []).append(row)
            with engine.begin() as conn:
                for (kind, table, _shape), group in groups.items():
                    conn.execute(_raw_statement(kind, tables[table], conn.dialect.name), group)
        return time.perf_counter() - started


def _tables():
    """Every table raw writes, by name: the synced records' and the engine's own."""
    from server.extensions import sync_tables
    from server.sync_registry import registry

    tables = {name: spec.table for name, spec in registry.specs.items()}
    tables.update({t.name: t for t in (sync_tables.change_log, sync_tables.checksums,
                                       sync_tables.results)})
    return tables


def _raw_statement(kind, table, dialect_name):
    if kind == "insert":
        return sa.insert(table)
    if kind == "update":
        return sa.update(table).where(table.c.id == sa.bindparam("_id"))
    # "add": INSERT ... ON CONFLICT DO UPDATE adding to the bucket, as the engine does
    insert = {"sqlite": sa.dialects.sqlite.insert,
              "postgresql": sa.dialects.postgresql.insert}[dialect_name](table)
    return insert.on_conflict_do_update(
        index_elements=[table.c.customer_id, table.c.table_name],
        set_={"checksum": table.c.checksum + insert.excluded.checksum,
              "count": table.c.count + insert.excluded.count})


def run(results, url, backend, count=10_000, batch=200, customers=1000, quick=False,
        rounds=ROUNDS):
    app = make_app(url)
    (user_id, email), = add_reps(app, 1)
    # Visits too: a rep's database has them, and PostgreSQL's statistics (the bench's
    # ANALYZE stands in for autovacuum's) then say so. Analyzed empty, the planner's
    # generic plan for the prefetch of the visits a push creates scanned the whole table:
    # 1.6 against 0.4 ms a push.
    seed(app, user_id, customers, contacts=2, visits=2)
    rng, current = random.Random(7), _current_values(app, user_id)

    def outbox(customer_versions, contact_versions, client_id):
        return make_mutations(count, customer_versions, contact_versions, client_id, rng,
                              current)

    passes, statuses = [], {}
    with gunicorn(url, workers=1) as base:
        for _ in range(rounds):
            passes.append(_round(app, base, email, user_id, outbox, batch, statuses,
                                 by_batch=backend == "postgresql"))
    # The machine is shared: the figure is the median of alternating rounds. On
    # PostgreSQL engine and raw also alternate batch by batch. Not on SQLite: there the
    # bench's process and gunicorn's are two connections to one file, and a write by
    # one empties the other's page cache, so each side would pay for re-reading after
    # the other's every batch (the engine's ratio fell from ~0.25 to ~0.17).
    engine_seconds, raw_seconds, _ = _median_round(passes, raw=1)
    records_engine_seconds, _, records_seconds = _median_round(passes, raw=2)
    engine_rate = count / engine_seconds
    raw_rate, records_rate = count / raw_seconds, count / records_seconds
    records_ratio = ratio(records_seconds, records_engine_seconds)
    note = (f"batch {batch}, HTTP gunicorn 1 worker, {customers} customers; raw {raw_rate:.0f}/s "
            f"writing the same rows (records, audit trail, checksum buckets, stored results); "
            f"{records_ratio} of the records alone ({records_rate:.0f}/s); median of {rounds} "
            f"rounds, raw after each {'push' if backend == 'postgresql' else 'round'}; "
            f"statuses {statuses}")
    results.add(f"push_{backend}", round(engine_rate), "mutations/s",
                ratio=f"{ratio(engine_rate, raw_rate)} of raw", note=note,
                seconds=round(engine_seconds, 3), raw_seconds=round(raw_seconds, 3),
                raw_rate=round(raw_rate), mutations=count, batch=batch, statuses=statuses,
                records_only={"raw_seconds": round(records_seconds, 3),
                              "raw_rate": round(records_rate), "ratio": records_ratio},
                rounds=[{"engine_seconds": round(e, 3), "raw_seconds": round(r, 3),
                         "ratio": ratio(r, e), "records_only_raw_seconds": round(o, 3),
                         "records_only_ratio": ratio(o, e)} for e, r, o in passes])
    with app.app_context():
        from server.extensions import db
        db.engine.dispose()
    return engine_seconds


def _median_round(passes, raw):
    """The round whose ratio of raw (``passes[i][raw]``) to engine is the median."""
    return sorted(passes, key=lambda times: times[raw] / times[0])[len(passes) // 2]


def _round(app, base, email, user_id, outbox, batch, statuses, by_batch):
    """One round: a new device pushes the mutations ``outbox`` makes (its bases the
    versions as they are now), and raw writes the records alone, then the same rows;
    returns the three totals. ``by_batch``: raw writes each batch right after its push,
    so a slow spell of the shared machine falls on both sides alike; else raw writes them
    all after the last push. The records alone go first: the same rows then find the
    pages they share warm, which, if anything, flatters raw."""
    customer_versions, contact_versions = _records(app, user_id)
    contact_customers = _contact_customers(app)
    device = Http(base, email)
    mutations = outbox(customer_versions, contact_versions, device.client_id)
    batches = [mutations[i:i + batch] for i in range(0, len(mutations), batch)]
    raw_client = f"raw-{uuid.uuid4().hex}"

    def raw(written):
        records = raw_write(app, [_raw_rows(rows, customer_versions, contact_versions, user_id)
                                  for rows in written], user_id)
        everything = raw_write(app, [
            _raw_rows(rows, customer_versions, contact_versions, user_id)
            + _bookkeeping_rows(rows, contact_customers, user_id, raw_client)
            for rows in written], user_id)
        return everything, records

    engine_seconds = raw_seconds = records_seconds = 0.0
    for chunk in batches:
        # From the request's first byte sent to the response's last received: the
        # device's own JSON writing and reading are left out, as raw's row building is.
        status, body, _sent, _received, seconds = device.push(chunk)
        engine_seconds += seconds
        if status != 200:
            raise RuntimeError(f"push {status}: {body}")
        for result in body["results"]:
            statuses[result["status"]] = statuses.get(result["status"], 0) + 1
        if by_batch:
            everything, records = raw([chunk])
            raw_seconds += everything
            records_seconds += records
    if not by_batch:
        raw_seconds, records_seconds = raw(batches)
    return engine_seconds, raw_seconds, records_seconds
