"""Helpers for the sync tests: a device speaking the protocol through the test client."""

import itertools
import uuid

import sqlalchemy as sa

from server.access import Access
from server.extensions import db
from server.sync_registry import registry
from sync import hlc
from sync.engine import CHECKSUM_MOD, record_hash
from sync.pull import scope_checksum

SCHEMA_VERSION = 1


class Device:
    """A minimal phone: numbered mutations, an HLC, push and pull over the test client."""

    def __init__(self, client, headers, name="phone", now=None):
        self.client = client
        self.headers = headers
        self.client_id = f"{name}-{uuid.uuid4().hex[:12]}"
        self.clock = hlc.Clock(self.client_id, now) if now else hlc.Clock(self.client_id)
        self.ids = itertools.count(1)
        self.cursor = 0
        self.versions = {}  # (table, id) -> versions seen

    def put(self, table, key, fields, base=None):
        seen = self.versions.get((table, key), {})
        return {"id": next(self.ids), "op": "put", "table": table, "key": key,
                "fields": fields, "hlc": self.clock.tick(),
                "base": base if base is not None else {f: seen.get(f) for f in fields}}

    def delete(self, table, key):
        return {"id": next(self.ids), "op": "delete", "table": table, "key": key,
                "hlc": self.clock.tick(), "base": self.versions.get((table, key), {})}

    def push(self, *mutations, expect=200):
        response = self.client.post("/api/v1/sync/push", headers=self.headers, json={
            "schema_version": SCHEMA_VERSION, "client_id": self.client_id,
            "mutations": list(mutations)})
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def pull(self, limit=500, verify=None):
        """Pull every page; returns the list of changes and the last page. ``verify``
        None leaves the field out of the request (the server's default: verified)."""
        changes = []
        extra = {} if verify is None else {"verify": verify}
        while True:
            response = self.client.post("/api/v1/sync/pull", headers=self.headers, json={
                "schema_version": SCHEMA_VERSION, "client_id": self.client_id,
                "cursor": self.cursor, "limit": limit, **extra})
            assert response.status_code == 200, response.get_json()
            page = response.get_json()
            for change in page["changes"]:
                if change["op"] == "put":
                    self.versions[(change["table"], change["id"])] = change["versions"]
                    for version in change["versions"].values():
                        self.clock.receive(version)
            changes.extend(page["changes"])
            self.cursor = page["cursor"]
            if not page["more"]:
                return changes, page


def new_id():
    return str(uuid.uuid4())


def recomputed(policy):
    """(checksum, count) of the user's live records, from the rows themselves."""
    total, count = 0, 0
    for spec in registry.specs.values():
        query = sa.select(spec.table.c.id, spec.table.c.seq).where(
            spec.table.c.deleted.is_(False))
        if spec.scope_column is not None:
            scope = policy.read_filter(spec.name, spec.table.c[spec.scope_column])
            if scope is not None:
                query = query.where(scope)
        for key, seq in db.session.execute(query):
            total += record_hash(spec.name, key, seq)
            count += 1
    return total % CHECKSUM_MOD, count


def checksums_consistent(user):
    """Do the kept checksums of ``user``'s scope match their live records?"""
    policy = Access.for_user(db.session, user)
    return scope_checksum(db.session, registry, policy) == recomputed(policy)


class FlaskTransport:
    """Lets ``sync.client.SyncClient`` talk to the Flask test client, with faults.

    ``fail_next(kind)`` makes the next sync request fail: ``"request"`` (lost before
    the server saw it) or ``"response"`` (the server processed it, the answer was lost).
    """

    class Lost(ConnectionError):
        pass

    def __init__(self, client):
        self.client = client
        self.faults = []
        self.requests = 0
        self.sent = []  # (path, body) of every request that reached the server

    def fail_next(self, kind):
        self.faults.append(kind)

    def __call__(self, method, path, body=None, headers=None):
        fault = self.faults.pop(0) if self.faults and "/sync/" in path else None
        if fault == "request":
            raise self.Lost("request lost")
        self.requests += 1
        self.sent.append((path, body))
        response = self.client.open(path, method=method, json=body, headers=headers or {})
        if fault == "response":
            raise self.Lost("response lost")
        return response.status_code, response.get_json()


def make_client(client, user, password, store_path=None, now=None):
    from sync.client import SyncClient

    kwargs = {"now": now} if now else {}
    return SyncClient("http://test", user.email, password, store_path=store_path,
                      transport=FlaskTransport(client), **kwargs)
