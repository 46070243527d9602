"""The sync endpoints' edges: limits, versions, gzip, ownership, retention."""

import gzip
import json
from datetime import UTC, datetime, timedelta

from server.extensions import db
from tests.sync_helpers import Device, new_id


def push_body(device, mutations, **overrides):
    return {"schema_version": 1, "client_id": device.client_id, "mutations": mutations,
            **overrides}


def test_old_or_new_schema_version_gets_update_the_app(client, org, auth):
    device = Device(client, auth.headers(org.rep1))
    for path in ("/api/v1/sync/push", "/api/v1/sync/pull"):
        response = client.post(path, headers=device.headers,
                               json=push_body(device, [], schema_version=99))
        assert response.status_code == 426
        body = response.get_json()
        assert body["code"] == 426 and "update" in body["message"]
        assert body["supported_schema_version"] == 1


def test_too_many_mutations_is_a_clear_422(client, org, auth):
    device = Device(client, auth.headers(org.rep1))
    mutations = [device.put("customers", new_id(), {"name": "x"}) for _ in range(501)]
    response = client.post("/api/v1/sync/push", headers=device.headers,
                           json=push_body(device, mutations))
    assert response.status_code == 422
    assert "mutations" in response.get_json()["errors"]["json"]


def test_oversized_body_is_413_and_nothing_is_stored(client, org, auth):
    device = Device(client, auth.headers(org.rep1))
    huge = device.put("customers", new_id(), {"name": "x", "notes": "n" * (5 * 1024 * 1024)})
    response = client.post("/api/v1/sync/push", headers=device.headers,
                           json=push_body(device, [huge]))
    assert response.status_code == 413
    assert response.get_json()["code"] == 413
    assert device.pull()[1]["count"] == 0


def test_gzip_request_and_response(client, org, auth):
    device = Device(client, auth.headers(org.rep1))
    key = new_id()
    raw = json.dumps(push_body(device, [device.put("customers", key, {
        "name": "压缩客户", "notes": "long notes " * 300})])).encode()
    response = client.post("/api/v1/sync/push", data=gzip.compress(raw), headers={
        **device.headers, "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert response.status_code == 200, response.get_json()
    response = client.post("/api/v1/sync/pull", json={
        "schema_version": 1, "client_id": device.client_id, "cursor": 0},
        headers={**device.headers, "Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    page = json.loads(gzip.decompress(response.data))
    assert page["changes"][0]["data"]["name"] == "压缩客户"


def test_gzip_bomb_is_refused(client, org, auth):
    device = Device(client, auth.headers(org.rep1))
    bomb = gzip.compress(b"{" + b" " * (20 * 1024 * 1024) + b"}")
    response = client.post("/api/v1/sync/push", data=bomb, headers={
        **device.headers, "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert response.status_code == 413


def test_malformed_messages_are_422_with_field_errors(client, org, auth):
    device = Device(client, auth.headers(org.rep1))
    bad = [
        {"schema_version": 1, "client_id": "x", "mutations": []},
        {"schema_version": 1, "client_id": device.client_id,
         "mutations": [{"id": 1, "op": "upsert", "table": "customers", "key": new_id()}]},
        {"schema_version": 1, "client_id": device.client_id,
         "mutations": [{"id": 2, "op": "put", "table": "customers", "key": "not-a-uuid"}]},
        {"schema_version": 1, "client_id": device.client_id,
         "mutations": [{"id": 2, "op": "put", "table": "customers", "key": new_id()},
                       {"id": 1, "op": "put", "table": "customers", "key": new_id()}]},
    ]
    for body in bad:
        response = client.post("/api/v1/sync/push", headers=device.headers, json=body)
        assert response.status_code == 422, body
        assert response.get_json()["errors"]
    response = client.post("/api/v1/sync/push", headers=device.headers, data="{not json",
                           content_type="application/json")
    assert response.status_code == 400


def test_a_client_id_belongs_to_one_user(client, org, auth):
    mine = Device(client, auth.headers(org.rep1))
    mine.push(mine.put("customers", new_id(), {"name": "Mine"}))
    thief = Device(client, auth.headers(org.rep2))
    thief.client_id = mine.client_id
    response = client.post("/api/v1/sync/push", headers=thief.headers, json=push_body(
        thief, [thief.put("customers", new_id(), {"name": "x"})]))
    assert response.status_code == 403


def test_unknown_table_is_rejected_not_fatal(client, org, auth):
    device = Device(client, auth.headers(org.rep1))
    result = device.push(device.put("users", new_id(), {"role": "admin"}),
                         device.put("customers", new_id(), {"name": "After"}))
    assert [r["status"] for r in result["results"]] == ["rejected", "applied"]
    assert result["results"][0]["reason"] == "unknown_table"


def test_prune_resets_old_cursors_but_keeps_the_outbox(app, client, org, auth):
    from conftest import PASSWORD

    from server.access import SYSTEM
    from server.sync_registry import registry
    from sync.client import new_id as fresh
    from sync.prune import prune
    from tests.sync_helpers import make_client

    phone = make_client(client, org.rep1, PASSWORD)
    gone, kept = fresh(), fresh()
    phone.put("customers", gone, {"name": "Gone"})
    phone.put("customers", kept, {"name": "Kept"})
    phone.sync()
    other = make_client(client, org.rep1, PASSWORD)
    other.sync()
    other.delete("customers", gone)
    other.sync()
    counts = prune(db.session, registry, SYSTEM, datetime.now(UTC) + timedelta(seconds=1))
    db.session.commit()
    assert counts["customers"] == 1
    phone.put("customers", kept, {"city": "Offline edit"})  # pending across the reset
    phone.sync()
    assert set(phone.query("customers")) == {kept}
    assert phone.get("customers", kept)["city"] == "Offline edit"
    assert phone.checksum() == phone.pull(verify=True)["checksum"]


def test_sync_prune_command(runner, org):
    result = runner.invoke(args=["sync-prune", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "pruned_seq" in result.output


def test_a_first_sync_after_a_prune_completes(app, client, org, auth):
    """Pruning forgets old tombstones and resets cursors older than them; a phone that
    starts downloading from 0 afterwards passes through such cursors page by page and
    must not be sent back to the start (it never held those records)."""
    from server.access import SYSTEM
    from server.sync_registry import registry
    from sync.prune import prune

    writer = Device(client, auth.headers(org.rep1))
    customers = [new_id() for _ in range(6)]
    writer.push(*[writer.put("customers", key, {"name": f"Old {n}"})
                  for n, key in enumerate(customers)])
    writer.push(writer.delete("customers", customers[0]))
    counts = prune(db.session, registry, SYSTEM, datetime.now(UTC) + timedelta(seconds=1))
    db.session.commit()
    assert counts["pruned_seq"] > 0
    fresh = Device(client, auth.headers(org.rep1), "new-phone")
    changes, page = fresh.pull(limit=2)
    assert {c["id"] for c in changes if c["table"] == "customers"} == set(customers[1:])
    assert page["checksum"] is not None and page["count"] == 5
    # The writer's cursor is older than the prune: it is told to start again.
    stale = client.post("/api/v1/sync/pull", headers=writer.headers, json={
        "schema_version": 1, "client_id": writer.client_id, "cursor": 1, "limit": 2})
    assert stale.get_json()["reset"] is True


def test_a_client_id_belongs_to_one_user_on_pull_as_on_push(client, org, auth):
    phone = Device(client, auth.headers(org.rep1))
    phone.push(phone.put("customers", new_id(), {"name": "Acme"}))
    phone.pull()
    response = client.post("/api/v1/sync/pull", headers=auth.headers(org.rep2), json={
        "schema_version": 1, "client_id": phone.client_id, "cursor": 0, "limit": 10})
    assert response.status_code == 403
    assert response.get_json()["code"] == 403
