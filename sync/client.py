"""The reference sync client: behaves like a phone, keeps its state in SQLite.

Used by the tests, benchmarks and load tests, and by integrations. It holds the
server's confirmed records and an outbox of local mutations; what ``get`` and ``query``
return is the confirmed state with the pending mutations laid over it, so a local edit
shows at once and a rejected one disappears when the server says no.

Every step that changes local state is one SQLite transaction, so a crash between
any two steps loses nothing: the outbox survives, a half-applied pull page is rolled
back, and a repeated push gets its stored results back from the server.

    client = SyncClient("http://127.0.0.1:8000", "rep1@demo", "fieldbook-demo")
    client.put("customers", new_id(), {"name": "Acme", "city": "Wuxi"})
    client.sync()
"""

import json
import sqlite3
import time
import uuid

from . import hlc
from .engine import CHECKSUM_MOD, SCHEMA_VERSION, format_checksum, record_hash

# Tables whose records are their own scope key (an evict names their id): a customer,
# and a lead, which has no customer yet.
OWN_SCOPE_TABLES = frozenset({"customers", "leads"})

PUSH_BATCH = 200
PULL_LIMIT = 1000
# A pull asks the server for the scope checksum (``verify``, docs/sync-protocol.md L5)
# after a fresh download, on the first pull of this client object, and then at most
# this often: the sum runs over every customer in scope, a routine pull costs O(changes).
VERIFY_EVERY = 30 * 60  # seconds

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    table_name TEXT NOT NULL, id TEXT NOT NULL, customer_id TEXT, seq INTEGER NOT NULL,
    data TEXT NOT NULL, versions TEXT NOT NULL, PRIMARY KEY (table_name, id));
CREATE INDEX IF NOT EXISTS records_customer ON records (customer_id);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, table_name TEXT NOT NULL, key TEXT NOT NULL,
    body TEXT NOT NULL, acked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS outbox_record ON outbox (table_name, key);
CREATE TABLE IF NOT EXISTS rejections (
    mutation_id INTEGER PRIMARY KEY, body TEXT NOT NULL, result TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def new_id():
    return str(uuid.uuid4())


class SyncError(Exception):
    """The server answered with an error the client cannot handle by itself."""

    def __init__(self, status, body):
        super().__init__(f"{status}: {body.get('message') if isinstance(body, dict) else body}")
        self.status = status
        self.body = body


class RequestsTransport:
    """HTTP over ``requests``; a test can pass any callable with the same signature."""

    def __init__(self, base_url, timeout=30):
        import requests

        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.timeout = timeout

    def __call__(self, method, path, body=None, headers=None):
        response = self.session.request(method, self.base_url + path, json=body,
                                        headers=headers or {}, timeout=self.timeout)
        try:
            payload = response.json()
        except ValueError:
            payload = {"message": response.text[:200]}
        return response.status_code, payload


class SyncClient:
    def __init__(self, base_url, email, password, store_path=None, transport=None,
                 now=time.time):
        self.email = email
        self._password = password
        self.transport = transport or RequestsTransport(base_url)
        self.db = sqlite3.connect(store_path or ":memory:", isolation_level=None)
        self.db.executescript(_SCHEMA)
        if self._meta("client_id") is None:
            with self._tx():
                self._set_meta("client_id", f"py-{uuid.uuid4().hex}")
                self._set_meta("cursor", 0)
                self._set_meta("next_mutation_id", 1)
        self.client_id = self._meta("client_id")
        self.now = now
        self.clock = hlc.Clock(self.client_id, now)
        self.verified_at = None  # in memory: the first pull of this object verifies
        last = self._meta("hlc")
        if last:
            self.clock.receive(last)

    # -- local state -------------------------------------------------------------------
    def _tx(self):
        return _Transaction(self.db)

    def _meta(self, key, default=None):
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def _set_meta(self, key, value):
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        (key, json.dumps(value)))

    def _confirmed(self, table, key):
        row = self.db.execute("SELECT data, versions, customer_id FROM records "
                              "WHERE table_name = ? AND id = ?", (table, key)).fetchone()
        return None if row is None else (json.loads(row[0]), json.loads(row[1]), row[2])

    def _pending_for(self, table, key):
        rows = self.db.execute("SELECT body FROM outbox WHERE table_name = ? AND key = ? "
                               "ORDER BY id", (table, key))
        return [json.loads(body) for (body,) in rows]

    def _view(self, table, key, confirmed):
        data = dict(confirmed[0]) if confirmed else None
        for mutation in self._pending_for(table, key):
            if mutation["op"] == "delete":
                data = None
            else:
                data = {**(data or {}), **mutation["fields"]}
        return data

    # -- the public API ----------------------------------------------------------------
    def get(self, table, key):
        """The record's fields as this phone sees them, or None (deleted or unknown)."""
        return self._view(table, key, self._confirmed(table, key))

    def query(self, table):
        """Every record of ``table`` this phone holds, as ``{id: fields}``."""
        keys = {key for (key,) in self.db.execute(
            "SELECT id FROM records WHERE table_name = ? UNION "
            "SELECT key FROM outbox WHERE table_name = ?", (table, table))}
        views = {key: self.get(table, key) for key in keys}
        return {key: fields for key, fields in views.items() if fields is not None}

    def put(self, table, key, fields):
        """Create or change a record locally and queue the mutation (one transaction)."""
        with self._tx():
            confirmed = self._confirmed(table, key)
            versions = confirmed[1] if confirmed else {}
            self._queue({"op": "put", "table": table, "key": key, "fields": dict(fields),
                         "base": {name: versions.get(name) for name in fields}})

    def delete(self, table, key):
        """Delete a record locally and queue the mutation; its base is every field version
        this phone holds ({} for a record it never had), so the server keeps in a conflict
        only the edits made since (docs/sync-protocol.md, "Delete against edit")."""
        with self._tx():
            confirmed = self._confirmed(table, key)
            self._queue({"op": "delete", "table": table, "key": key,
                         "base": confirmed[1] if confirmed else {}})

    def _queue(self, mutation):
        mutation_id = self._meta("next_mutation_id")
        mutation = {"id": mutation_id, **mutation, "hlc": self.clock.tick()}
        self.db.execute("INSERT INTO outbox (id, table_name, key, body) VALUES (?, ?, ?, ?)",
                        (mutation_id, mutation["table"], mutation["key"], json.dumps(mutation)))
        self._set_meta("next_mutation_id", mutation_id + 1)
        self._set_meta("hlc", mutation["hlc"])

    def pending(self):
        """Mutations not yet confirmed by the server, oldest first."""
        return [json.loads(body) for (body,) in self.db.execute(
            "SELECT body FROM outbox WHERE acked = 0 ORDER BY id")]

    def rejected(self):
        """Mutations the server refused for good, with its reasons."""
        return [{**json.loads(body), "result": json.loads(result)} for body, result in
                self.db.execute("SELECT body, result FROM rejections ORDER BY mutation_id")]

    def conflicts(self):
        """Open conflict records: the values that lost a concurrent edit."""
        return [{"id": key, **fields} for key, fields in self.query("conflicts").items()
                if fields.get("status") == "open"]

    def resolve(self, conflict_id, fields):
        """Settle a conflict: write the chosen values, then close the conflict record."""
        conflict = self.get("conflicts", conflict_id)
        if conflict is None:
            raise KeyError(conflict_id)
        if fields:
            self.put(conflict["table_name"], conflict["record_id"], fields)
        self.put("conflicts", conflict_id, {"status": "resolved"})

    # -- sync --------------------------------------------------------------------------
    def sync(self):
        """Push the outbox, then pull until up to date. Safe to call again after any error."""
        self.push()
        self.pull()

    def push(self):
        while True:
            batch = [json.loads(body) for (body,) in self.db.execute(
                "SELECT body FROM outbox WHERE acked = 0 ORDER BY id LIMIT ?", (PUSH_BATCH,))]
            if not batch:
                return
            status, body = self._request("/api/v1/sync/push", {
                "schema_version": SCHEMA_VERSION, "client_id": self.client_id,
                "mutations": batch})
            if status == 409 and body.get("reason") == "mutation_gap":
                self._renumber(body["expected_id"])
                continue
            if status != 200:
                raise SyncError(status, body)
            self._acknowledge(batch, body)

    def _acknowledge(self, batch, body):
        results = {result["id"]: result for result in body["results"]}
        with self._tx():
            for mutation in batch:
                result = results.get(mutation["id"])
                if result is None:
                    continue
                if result["status"] == "rejected":
                    # It will never take effect: stop laying it over the confirmed state.
                    self.db.execute("INSERT OR REPLACE INTO rejections VALUES (?, ?, ?)",
                                    (mutation["id"], json.dumps(mutation), json.dumps(result)))
                    self.db.execute("DELETE FROM outbox WHERE id = ?", (mutation["id"],))
                else:
                    self.db.execute("UPDATE outbox SET acked = 1 WHERE id = ?", (mutation["id"],))

    def _renumber(self, expected_id):
        """The server lost mutations it had acknowledged (restored from a backup): send
        ours again with ids continuing from where it is."""
        with self._tx():
            rows = self.db.execute("SELECT id, body FROM outbox ORDER BY id").fetchall()
            self.db.execute("DELETE FROM outbox")
            for offset, (_old, body) in enumerate(rows):
                mutation = json.loads(body)
                mutation["id"] = expected_id + offset
                self.db.execute("INSERT INTO outbox (id, table_name, key, body) "
                                "VALUES (?, ?, ?, ?)", (mutation["id"], mutation["table"],
                                                        mutation["key"], json.dumps(mutation)))
            self._set_meta("next_mutation_id", expected_id + len(rows))

    def verification_due(self):
        """Should the next pull ask for the scope checksum? After a reset or on a fresh
        download (cursor 0), on this object's first pull, then every VERIFY_EVERY."""
        return (not self._meta("cursor") or self.verified_at is None
                or self.now() - self.verified_at >= VERIFY_EVERY)

    def pull(self, verify=None):
        """Pull every page; returns the last one. ``verify``: ask for the scope checksum
        (True), not (False), or when due (None, what a phone does)."""
        repaired = False
        wanted = self.verification_due() if verify is None else verify
        while True:
            cursor = self._meta("cursor")
            if not cursor and verify is None:
                wanted = True  # a download from 0 (reset or repair) ends verified
            status, page = self._request("/api/v1/sync/pull", {
                "schema_version": SCHEMA_VERSION, "client_id": self.client_id,
                "cursor": cursor, "limit": PULL_LIMIT, "verify": wanted})
            if status != 200:
                raise SyncError(status, page)
            with self._tx():
                self._apply_page(page)
            if page["more"]:
                continue
            if page.get("checksum") is None:
                return page  # not asked for, or a write raced: nothing to compare
            if page["checksum"] != self.checksum() and not repaired:
                self.reset()  # we hold something else than the server: download again
                repaired = True
                continue
            # Compared (and repaired once if it had to be): not due again for a while,
            # even if a repair did not help, so a mismatch never means a download a pull.
            self.verified_at = self.now()
            return page

    def _apply_page(self, page):
        if page.get("reset"):
            self.db.execute("DELETE FROM records")
        for change in page["changes"]:
            self._apply_change(change)
        self._set_meta("cursor", page["cursor"])
        if not page["more"]:
            # Mutations the server has processed are now part of the confirmed state.
            self.db.execute("DELETE FROM outbox WHERE id <= ?", (page["last_mutation_id"],))
            self._set_meta("hlc", self.clock.tick())

    def _apply_change(self, change):
        op = change["op"]
        if op == "put":
            data = change["data"]
            customer_id = change["id"] if change["table"] in OWN_SCOPE_TABLES \
                else data.get("customer_id")
            self.db.execute(
                "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?)",
                (change["table"], change["id"], customer_id, change["seq"], json.dumps(data),
                 json.dumps(change["versions"])))
            for version in change["versions"].values():
                self.clock.receive(version)
        elif op == "del":
            self.db.execute("DELETE FROM records WHERE table_name = ? AND id = ?",
                            (change["table"], change["id"]))
        elif op == "evict":
            self._evict(change["customer_id"], change.get("tables"))

    def _evict(self, customer_id, tables=None):
        """Drop a customer's records, or (``tables``) only those of these tables and the
        conflicts about them: the user keeps the customer but not, say, its personal
        data."""
        if tables is None:
            self.db.execute("DELETE FROM records WHERE customer_id = ?", (customer_id,))
            return
        names = json.dumps(list(tables))
        self.db.execute(
            "DELETE FROM records WHERE customer_id = ? AND (table_name IN "
            "(SELECT value FROM json_each(?)) OR (table_name = 'conflicts' AND "
            "json_extract(data, '$.table_name') IN (SELECT value FROM json_each(?))))",
            (customer_id, names, names))

    def reset(self):
        """Forget the confirmed records (never the outbox) and download from scratch."""
        with self._tx():
            self.db.execute("DELETE FROM records")
            self._set_meta("cursor", 0)

    def checksum(self):
        total = sum(record_hash(table, key, seq) for table, key, seq in self.db.execute(
            "SELECT table_name, id, seq FROM records"))
        return format_checksum(total % CHECKSUM_MOD)

    # -- HTTP and tokens ---------------------------------------------------------------
    def _request(self, path, body):
        status, payload = self.transport("POST", path, body, self._auth_headers())
        if status == 401:
            self._refresh_tokens()
            status, payload = self.transport("POST", path, body, self._auth_headers())
        return status, payload

    def _auth_headers(self):
        if self._meta("access_token") is None:
            self.login()
        return {"Authorization": f"Bearer {self._meta('access_token')}"}

    def login(self):
        status, body = self.transport("POST", "/api/v1/auth/login",
                                      {"email": self.email, "password": self._password}, {})
        if status != 200:
            raise SyncError(status, body)
        with self._tx():
            self._set_meta("access_token", body["access_token"])
            self._set_meta("refresh_token", body["refresh_token"])
            self._set_meta("user", body["user"])

    def _refresh_tokens(self):
        refresh = self._meta("refresh_token")
        status, body = (self.transport("POST", "/api/v1/auth/refresh", None,
                                       {"Authorization": f"Bearer {refresh}"})
                        if refresh else (401, {}))
        if status == 200:
            # The server rotates the refresh token on every use: keep the new one, or the
            # next refresh presents a spent token and ends the session.
            with self._tx():
                self._set_meta("access_token", body["access_token"])
                self._set_meta("refresh_token", body.get("refresh_token") or refresh)
        else:
            self.login()

    def close(self):
        self.db.close()


class _Transaction:
    """``with`` block = one SQLite transaction (BEGIN IMMEDIATE ... COMMIT/ROLLBACK)."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
