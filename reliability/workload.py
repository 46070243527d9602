"""Simulated reps: reference clients (``sync.client.SyncClient``) with a recording
transport, a random but valid workload, and the end-of-run checks.

Each rep works only on customers it created, so what the server must hold in the end
is known exactly: the replay of the rep's own mutations (``Rep.model``). The checks
(``verify``) compare that, the client's view, a fresh download and the raw tables.
"""

import random
import sqlite3
import threading
import time
from collections import defaultdict

import requests
import sqlalchemy as sa

from sync.client import SyncClient, SyncError, new_id

from .env import PASSWORD

# Fields compared value for value: plain strings that round-trip unchanged.
CHECKED_FIELDS = {
    "customers": ("name", "city"),
    "contacts": ("name", "title", "customer_id"),
    "contact_personal": ("family", "hometown", "customer_id"),
    "visits": ("notes", "customer_id"),
}
TABLES = ("customers", "contacts", "contact_personal", "visits")


class Stats:
    """Latencies and errors of every HTTP request, shared by the reps of one run."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)  # path -> seconds
        self.errors = defaultdict(int)  # "status path" / exception name -> count

    def add(self, path, status, seconds):
        with self.lock:
            self.latencies[path].append(seconds)
            if status is None or status >= 500 or status in (401, 403, 404, 429):
                self.errors[f"{status} {path}"] += 1

    def error(self, name):
        with self.lock:
            self.errors[name] += 1


class Transport:
    """HTTP for one rep: a node chosen at random per request (``urls``), latencies into
    ``stats``, and every push result the rep saw acknowledged into ``acked``."""

    def __init__(self, urls, stats, rng, timeout=60):
        self.urls = list(urls)
        self.stats = stats
        self.rng = rng
        self.timeout = timeout
        self.sessions = {url: requests.Session() for url in self.urls}
        self.acked = {}  # mutation id -> result dict as the server answered it
        self.requests = 0

    def __call__(self, method, path, body=None, headers=None):
        url = self.rng.choice(self.urls)
        started = time.perf_counter()
        try:
            response = self.sessions[url].request(method, url + path, json=body,
                                                  headers=headers or {}, timeout=self.timeout)
        except requests.RequestException:
            self.stats.add(path, None, time.perf_counter() - started)
            raise
        self.stats.add(path, response.status_code, time.perf_counter() - started)
        self.requests += 1
        try:
            payload = response.json()
        except ValueError:
            payload = {"message": response.text[:200]}
        if path.endswith("/sync/push") and response.status_code == 200:
            for result in payload["results"]:
                self.acked[result["id"]] = result
        return response.status_code, payload

    def close(self):
        for session in self.sessions.values():
            session.close()


class Rep:
    """One phone of one rep: a SyncClient with a store file, and the model of what it did."""

    def __init__(self, email, urls, stats, store_path, seed):
        self.email = email
        self.store_path = store_path
        self.rng = random.Random(seed)
        self.transport = Transport(urls, stats, self.rng)
        self.client = self._open()
        self.model = {}  # (table, id) -> fields, or None when deleted
        self.customers, self.contacts = [], []
        self.mutations = 0
        self.reopened = 0

    def _open(self):
        client = SyncClient("http://unused", self.email, PASSWORD, store_path=self.store_path,
                            transport=self.transport)
        # The phone is used by its worker thread, then checked by the main thread (one
        # at a time): the same store file, opened without sqlite3's same-thread guard.
        client.db.close()
        client.db = sqlite3.connect(self.store_path, isolation_level=None,
                                    check_same_thread=False)
        return client

    def reopen(self):
        """The phone app was killed: a new client on the same store file."""
        self.client.close()
        self.client = self._open()
        self.reopened += 1

    def _put(self, table, key, fields):
        self.client.put(table, key, fields)
        current = self.model.get((table, key)) or {}
        self.model[(table, key)] = {**current, **fields}
        self.mutations += 1

    def _delete(self, table, key):
        self.client.delete(table, key)
        self.model[(table, key)] = None
        self.mutations += 1
        if table == "customers":  # the subtree goes with it
            for (other, other_key), fields in list(self.model.items()):
                if fields and fields.get("customer_id") == key:
                    self.model[(other, other_key)] = None
            self.customers.remove(key)
            self.contacts = [c for c in self.contacts if c[1] != key]
        elif table == "contacts":
            self.contacts = [c for c in self.contacts if c[0] != key]
            if ("contact_personal", key) in self.model:  # their personal data goes too
                self.model[("contact_personal", key)] = None

    def edit(self, count=3):
        """``count`` random edits, all valid and all within this rep's own customers."""
        rng = self.rng
        for _ in range(count):
            roll = rng.random()
            word = f"{self.email.split('@')[0]}-{rng.randrange(10**6)}"
            if not self.customers or roll < 0.2:
                key = new_id()
                self._put("customers", key, {"name": f"客户 {word}", "city": "无锡"})
                self.customers.append(key)
            elif roll < 0.4:
                self._put("customers", rng.choice(self.customers), {"city": f"City {word}"})
            elif roll < 0.55:
                key, customer = new_id(), rng.choice(self.customers)
                self._put("contacts", key, {"customer_id": customer, "name": f"联系人 {word}",
                                            "title": "CTO"})
                self.contacts.append((key, customer))
            elif roll < 0.7 and self.contacts:
                key, customer = rng.choice(self.contacts)
                self._put("contact_personal", key, {"customer_id": customer,
                                                    "family": f"personal-{word}",
                                                    "hometown": "苏州"})
            elif roll < 0.85:
                self._put("visits", new_id(), {
                    "customer_id": rng.choice(self.customers), "type": "customer_visit",
                    "occurred_at": "2026-03-01T09:30:00Z", "notes": f"拜访 {word}"})
            elif roll < 0.95 and self.contacts:
                key, _customer = rng.choice(self.contacts)
                self._put("contacts", key, {"title": f"VP {word}"})
            elif roll < 0.98 and self.contacts:
                self._delete("contacts", rng.choice(self.contacts)[0])
            elif len(self.customers) > 2:
                self._delete("customers", rng.choice(self.customers))

    def sync(self):
        """One sync; False (and nothing lost) when the server is down or failing."""
        try:
            self.client.sync()
            return True
        except (requests.RequestException, SyncError) as error:
            self.last_error = error
            return False

    def settle(self, attempts=30, pause=0.2):
        """Sync until the outbox is empty and one more sync has nothing to do."""
        for _ in range(attempts):
            if self.sync() and not self.client.pending():
                page = self.client.pull(verify=True)  # the end-of-run check compares it
                return page
            time.sleep(pause)
        raise AssertionError(f"{self.email} did not settle: {getattr(self, 'last_error', '')}")

    def close(self):
        self.client.close()
        self.transport.close()


def run_reps(reps, rounds, stop, edits=3, pause=0.0, reopen_chance=0.0):
    """Each rep in its own thread: ``rounds`` times edit, then sync (failures are retried
    at the next round). Returns the threads' unexpected exceptions."""
    failures = []

    def work(rep):
        try:
            for _ in range(rounds):
                if stop.is_set():
                    return
                rep.edit(edits)
                if not rep.sync():
                    if rep.rng.random() < reopen_chance:
                        rep.reopen()
                    time.sleep(0.2)  # the server is down: try again a little later
                if pause:
                    time.sleep(rep.rng.random() * pause)
        except Exception as error:  # noqa: BLE001  (reported by the caller)
            failures.append((rep.email, repr(error)))

    threads = [threading.Thread(target=work, args=(rep,), daemon=True) for rep in reps]
    for thread in threads:
        thread.start()
    return threads, failures


# -- the end-of-run checks ------------------------------------------------------------------

def verify(database, reps, fresh_dir=None):
    """Every acknowledged mutation is on the server exactly once, every rep converged to
    the server's rows in its scope, and checksums match. Returns a summary dict; raises
    AssertionError with every problem found."""
    from server.extensions import sync_tables

    problems = []
    engine = database.engine()
    meta = sa.MetaData()
    with engine.connect() as conn:
        tables = {name: sa.Table(name, meta, autoload_with=conn) for name in TABLES}
        users = sa.Table("users", meta, autoload_with=conn)
        totals = {"mutations": 0, "acked": 0, "records": 0}
        for rep in reps:
            page = rep.settle()
            client = rep.client
            client_id = client.client_id
            last_id = client._meta("next_mutation_id") - 1
            totals["mutations"] += last_id
            totals["acked"] += len(rep.transport.acked)
            if client.rejected():
                problems.append(f"{rep.email}: rejected {client.rejected()[:2]}")
            # 1. Exactly once: one stored result per mutation id, ids 1..last, the same
            #    result the rep was told, and no mutation audited twice.
            pushes = conn.execute(sa.select(sync_tables.results.c.results).where(
                sync_tables.results.c.client_id == client_id)).scalars().all()
            stored_ids = sorted(result["id"] for results in pushes for result in results)
            stored = {result["id"]: result for results in pushes for result in results}
            server_last = conn.scalar(sa.select(sync_tables.clients.c.last_mutation_id).where(
                sync_tables.clients.c.client_id == client_id))
            if server_last != last_id or stored_ids != list(range(1, last_id + 1)):
                problems.append(f"{rep.email}: server last_mutation_id {server_last}, "
                                f"{len(stored)} stored results, client made {last_id}")
            for mutation_id, result in rep.transport.acked.items():
                mine = stored.get(mutation_id)
                if mine is None or mine.get("status") != result["status"] \
                        or mine.get("seq") != result.get("seq"):
                    problems.append(f"{rep.email}: mutation {mutation_id} acked as {result}, "
                                    f"stored {mine}")
            audit = conn.execute(sa.select(
                sync_tables.change_log.c.mutation_id, sync_tables.change_log.c.table_name,
                sync_tables.change_log.c.record_id, sa.func.count()).where(
                sync_tables.change_log.c.client_id == client_id).group_by(
                sync_tables.change_log.c.mutation_id, sync_tables.change_log.c.table_name,
                sync_tables.change_log.c.record_id)).all()
            twice = [row for row in audit if row[3] > 1]
            if twice:
                problems.append(f"{rep.email}: audited twice {twice[:3]}")
            audited = {row[0] for row in audit}
            applied = {m for m, r in stored.items() if r.get("status") in ("applied", "conflict")}
            if applied - audited:
                problems.append(f"{rep.email}: applied but not audited "
                                f"{sorted(applied - audited)[:5]}")
            # 2. The server holds exactly what the rep did (the replay of its mutations).
            user_id = conn.scalar(sa.select(users.c.id).where(users.c.email == rep.email))
            owned = sa.select(tables["customers"].c.id).where(
                tables["customers"].c.owner_id == user_id)
            for name in TABLES:
                table = tables[name]
                column = table.c.id if name == "customers" else table.c.customer_id
                rows = {row.id: row for row in conn.execute(sa.select(table).where(
                    column.in_(owned)))}
                live = {key for key, row in rows.items() if not row.deleted}
                expected = {key for (t, key), fields in rep.model.items()
                            if t == name and fields is not None}
                gone = {key for (t, key), fields in rep.model.items()
                        if t == name and fields is None}
                if live != expected:
                    problems.append(f"{rep.email}: {name} server has {len(live)} live, "
                                    f"model {len(expected)}; missing "
                                    f"{sorted(expected - live)[:3]} extra "
                                    f"{sorted(live - expected)[:3]}")
                if any(key in live for key in gone):
                    problems.append(f"{rep.email}: {name} deleted records alive on the server")
                view = client.query(name)
                if set(view) != live:
                    problems.append(f"{rep.email}: {name} client holds {len(view)}, "
                                    f"server {len(live)} in scope")
                for key in expected & live:
                    fields = rep.model[(name, key)]
                    for field in CHECKED_FIELDS[name]:
                        if field in fields and (getattr(rows[key], field) != fields[field]
                                                or view.get(key, {}).get(field) != fields[field]):
                            problems.append(f"{rep.email}: {name}/{key}.{field} model "
                                            f"{fields[field]!r} server "
                                            f"{getattr(rows[key], field)!r} client "
                                            f"{view.get(key, {}).get(field)!r}")
                totals["records"] += len(live)
            # 3. Checksums: the server's for the rep's scope equals the client's.
            if page.get("checksum") is not None and page["checksum"] != client.checksum():
                problems.append(f"{rep.email}: checksum server {page['checksum']} "
                                f"client {client.checksum()}")
            local_count = client.db.execute("SELECT count(*) FROM records").fetchone()[0]
            if page.get("count") is not None and page["count"] != local_count:
                problems.append(f"{rep.email}: count server {page['count']} client {local_count}")
            # 4. A fresh download (a new phone of the same rep) equals the rep's state.
            fresh = SyncClient("http://unused", rep.email, PASSWORD,
                               transport=Transport(rep.transport.urls, rep.transport.stats,
                                                   random.Random(0)))
            fresh.pull()
            for name in TABLES:
                if fresh.query(name) != client.query(name):
                    problems.append(f"{rep.email}: {name} differs from a fresh download")
            if fresh.checksum() != client.checksum():
                problems.append(f"{rep.email}: fresh download checksum differs")
            fresh.close()
    if problems:
        raise AssertionError("\n".join(problems[:40]))
    return totals
