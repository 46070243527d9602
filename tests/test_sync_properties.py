"""Property-based proof of convergence (hypothesis stateful), on SQLite and PostgreSQL.

Three phones (two of rep1, one of their manager) edit and delete offline while the
network loses requests and responses, delivers pushes twice, and phones crash and
restart. Then everyone syncs, and we check:

- every phone holds exactly the server's records for its user (and checksums match);
- every acknowledged mutation was applied exactly once;
- no acknowledged value is lost: it is the current value, or kept in a conflict
  record, or it was overwritten by someone who had seen it.
"""

import itertools
import os
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from conftest import BACKENDS, PASSWORD, _reset_postgres, add_user
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from server import create_app
from server.extensions import db, sync_tables
from server.models import Conflict, Contact, Customer, Team
from server.sync_registry import TEXT_MERGE
from sync.client import new_id
from tests.sync_helpers import FlaskTransport, make_client

EXAMPLES = int(os.environ.get("FIELDBOOK_PROPERTY_EXAMPLES", "12"))
FIELDS = {"customers": ["city", "phone", "notes"], "contacts": ["title", "notes"]}
values = itertools.count()


def fresh_app(backend, tmp_dir):
    if backend == "postgresql":
        url = os.environ["TEST_DATABASE_URL"]
        engine = sa.create_engine(url)
        db.metadata.create_all(engine)
        _reset_postgres(engine)
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_dir}/prop-{next(values)}.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "property-test-secret-0123456789abcdef"})
    with app.app_context():
        if backend == "sqlite":
            db.create_all()
            db.session.execute(sa.insert(sync_tables.state).values(id=1, seq=0, pruned_seq=0))
        team = Team(name="East")
        db.session.add(team)
        db.session.flush()
        manager = add_user("m@prop", "manager", team)
        team.manager_id = manager.id
        rep = add_user("r@prop", "rep", team)
        db.session.commit()
        return app, SimpleNamespace(email=rep.email), SimpleNamespace(email=manager.email)


class Convergence(RuleBasedStateMachine):
    backend = "sqlite"
    tmp_dir = "/tmp"

    @initialize()
    def setup(self):
        self.app, rep, manager = fresh_app(self.backend, self.tmp_dir)
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.http = self.app.test_client()
        self.users = [rep, rep, manager]
        self.stores = [f"{self.tmp_dir}/phone-{next(values)}.db" for _ in self.users]
        self.phones = [make_client(self.http, user, PASSWORD, store_path=path)
                       for user, path in zip(self.users, self.stores, strict=True)]
        self.writes = []  # (phone index, mutation id, table, key, field, value, seen value)
        self.records = {"customers": [], "contacts": []}
        for _ in range(2):
            self._create(0, "customers", {"name": f"Customer {next(values)}"})
        self.phones[0].sync()
        for phone in self.phones[1:]:
            phone.sync()

    def teardown(self):
        if hasattr(self, "ctx"):
            for phone in getattr(self, "phones", []):
                phone.close()
            db.session.remove()
            db.engine.dispose()
            self.ctx.pop()

    def _create(self, index, table, fields):
        key = new_id()
        self.phones[index].put(table, key, fields)
        self.records[table].append(key)
        return key

    @rule(index=st.integers(0, 2), data=st.data())
    def edit(self, index, data):
        table = data.draw(st.sampled_from(["customers", "customers", "contacts"]))
        if not self.records[table]:
            return
        key = data.draw(st.sampled_from(self.records[table]))
        phone = self.phones[index]
        view = phone.get(table, key)
        if view is None:
            return
        field = data.draw(st.sampled_from(FIELDS[table]))
        value = f"v{next(values)}"
        phone.put(table, key, {field: value})
        mutation_id = phone.pending()[-1]["id"]
        self.writes.append((index, mutation_id, table, key, field, value, view.get(field)))

    @rule(index=st.integers(0, 2), data=st.data())
    def add_contact(self, index, data):
        phone = self.phones[index]
        customers = [key for key in self.records["customers"] if phone.get("customers", key)]
        if customers:
            customer = data.draw(st.sampled_from(customers))
            self._create(index, "contacts", {"customer_id": customer, "name": "Zhang"})

    @rule(index=st.integers(0, 2), data=st.data())
    def delete(self, index, data):
        table = data.draw(st.sampled_from(["contacts", "contacts", "customers"]))
        held = [key for key in self.records[table] if self.phones[index].get(table, key)]
        if held:
            self.phones[index].delete(table, data.draw(st.sampled_from(held)))

    @rule(index=st.integers(0, 2), fault=st.sampled_from([None, None, "request", "response"]))
    def sync(self, index, fault):
        phone = self.phones[index]
        if fault:
            phone.transport.fail_next(fault)
        try:
            phone.sync()
        except FlaskTransport.Lost:
            pass

    @rule(index=st.integers(0, 2))
    def push_delivered_twice(self, index):
        phone = self.phones[index]
        batch = phone.pending()
        if batch:
            body = {"schema_version": 1, "client_id": phone.client_id, "mutations": batch}
            phone._request("/api/v1/sync/push", body)  # the copy the network duplicated
            phone.push()

    @rule(index=st.integers(0, 2))
    def crash_and_restart(self, index):
        self.phones[index].close()
        self.phones[index] = make_client(self.http, self.users[index], PASSWORD,
                                         store_path=self.stores[index])

    @precondition(lambda self: hasattr(self, "phones"))
    @invariant()
    def local_edits_show_at_once(self):
        for index, mutation_id, table, key, field, value, _seen in self.writes[-1:]:
            pending = {m["id"] for m in self.phones[index].pending()}
            view = self.phones[index].get(table, key)
            if mutation_id in pending and view is not None:
                assert view.get(field) == value

    def check_converged(self):
        for _ in range(2):
            for phone in self.phones:
                phone.sync()
        db.session.expire_all()
        for phone in self.phones:
            assert phone.pending() == []
            assert phone.checksum() == phone.pull(verify=True)["checksum"]
            for table, model in (("customers", Customer), ("contacts", Contact)):
                rows = db.session.query(model).filter_by(deleted=False).all()
                server = {row.id: {f: getattr(row, f) for f in FIELDS[table]} for row in rows}
                local = {key: {f: fields.get(f, "") for f in FIELDS[table]}
                         for key, fields in phone.query(table).items()}
                assert local == server
        self.check_exactly_once()
        self.check_nothing_lost()

    def check_exactly_once(self):
        log = sync_tables.change_log
        duplicates = db.session.execute(
            sa.select(log.c.client_id, log.c.mutation_id, log.c.record_id, sa.func.count())
            .where(log.c.mutation_id.is_not(None), log.c.op != "delete")
            .group_by(log.c.client_id, log.c.mutation_id, log.c.record_id)
            .having(sa.func.count() > 1)).all()
        assert duplicates == []
        for table, model in (("customers", Customer), ("contacts", Contact)):
            ids = [row.id for row in db.session.query(model).all()]
            assert len(ids) == len(set(ids)) <= len(self.records[table])

    def check_nothing_lost(self):
        rejected = {(i, r["id"]) for i, phone in enumerate(self.phones) for r in phone.rejected()}
        acked = [w for w in self.writes if (w[0], w[1]) not in rejected]
        seen_by_later = {(w[2], w[3], w[4], w[6]) for w in acked}
        conflicts = db.session.query(Conflict).all()
        for _index, _id, table, key, field, value, _seen in acked:
            row = db.session.get(Customer if table == "customers" else Contact, key)
            if row is None or row.deleted:
                continue  # delete beats edit; unseen edits are in a delete conflict
            current = getattr(row, field)
            kept = any(c.record_id == key and value in (c.fields.get(field, {}).get("lost"),
                                                        c.fields.get(field, {}).get("kept"))
                       for c in conflicts)
            merged = field in TEXT_MERGE.get(table, ()) and value in current
            overwritten_knowingly = (table, key, field, value) in seen_by_later
            assert current == value or kept or merged or overwritten_knowingly, (
                table, key, field, value, current)


@pytest.mark.parametrize("backend", BACKENDS)
def test_phones_converge_under_faults(backend, tmp_path):
    class Machine(Convergence):
        def teardown(self):
            try:
                if hasattr(self, "phones"):
                    self.check_converged()
            finally:
                super().teardown()

    Machine.backend = backend
    Machine.tmp_dir = str(tmp_path)
    Machine.TestCase.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=20, deadline=None,
        suppress_health_check=list(HealthCheck))
    Machine.TestCase().runTest()
