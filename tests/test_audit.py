"""The audit trail records who changed what, when, from which device; scoped."""

from tests.sync_helpers import Device, new_id


def test_every_change_is_audited_with_user_and_device(client, org, auth):
    phone = Device(client, auth.headers(org.rep1), "rep1-phone")
    customer = new_id()
    phone.push(phone.put("customers", customer, {"name": "Acme"}),
               phone.put("customers", customer, {"city": "Wuxi"}))
    response = client.get(f"/api/v1/audit?record_id={customer}", headers=auth.headers(org.admin))
    assert response.status_code == 200
    entries = response.get_json()["items"]
    assert [(e["op"], e["changes"].get("city"), e["user_id"], e["client_id"], e["mutation_id"])
            for e in entries] == [("update", "Wuxi", org.rep1.id, phone.client_id, 2),
                                  ("create", None, org.rep1.id, phone.client_id, 1)]


def test_personal_data_changes_are_audited_without_their_values(client, org, auth):
    phone = Device(client, auth.headers(org.rep1))
    customer, contact = new_id(), new_id()
    phone.push(phone.put("customers", customer, {"name": "Acme"}),
               phone.put("contacts", contact, {"customer_id": customer, "name": "Wang"}),
               phone.put("contact_personal", contact, {"customer_id": customer,
                                                       "hometown": "Harbin"}))
    body = client.get(f"/api/v1/audit?record_id={contact}&table=contact_personal",
                      headers=auth.headers(org.admin)).get_data(as_text=True)
    assert "hometown" in body and "Harbin" not in body


def test_audit_is_scoped_and_not_for_reps(client, org, auth):
    phone = Device(client, auth.headers(org.rep1))
    customer = new_id()
    phone.push(phone.put("customers", customer, {"name": "Acme"}))
    assert client.get("/api/v1/audit", headers=auth.headers(org.rep1)).status_code == 403
    own_manager = client.get("/api/v1/audit", headers=auth.headers(org.manager)).get_json()
    other_manager = client.get("/api/v1/audit", headers=auth.headers(org.manager_b)).get_json()
    assert [e["record_id"] for e in own_manager["items"]] == [customer]
    assert other_manager["total"] == 0


def test_a_records_history_is_found_by_its_id_alone(client, org, auth):
    # The trail is indexed by customer, then record: a record id is looked up through
    # its customer, for a child record, a record of no customer (the stage template) and
    # a deleted record whose tombstone retention has since removed.
    from datetime import UTC, datetime, timedelta

    from server.access import SYSTEM
    from server.extensions import db
    from server.sync_registry import registry
    from sync.prune import prune

    admin = auth.headers(org.admin)
    phone = Device(client, auth.headers(org.rep1))
    customer, contact, visit = new_id(), new_id(), new_id()
    pushed = phone.push(
        phone.put("customers", customer, {"name": "Acme"}),
        phone.put("contacts", contact, {"customer_id": customer, "name": "Wang"}),
        phone.put("contacts", contact, {"title": "采购经理"}),
        phone.put("visits", visit, {"customer_id": customer, "type": "technical_exchange",
                                    "occurred_at": "2026-11-20T09:30:00Z"}),
        phone.delete("visits", visit))
    assert {result["status"] for result in pushed["results"]} == {"applied"}
    stage = client.post("/api/v1/stages", headers=admin, json={
        "number": 1, "key": "project_approval", "name_en": "Project approval",
        "name_zh": "项目立项", "probability": 5}).get_json()
    assert prune(db.session, registry, SYSTEM,
                 datetime.now(UTC) + timedelta(seconds=1))["visits"] == 1
    db.session.commit()

    def history(record_id, table=""):
        page = client.get(f"/api/v1/audit?record_id={record_id}&table={table}",
                          headers=admin).get_json()
        return [(e["table_name"], e["op"]) for e in page["items"]]

    assert history(contact) == [("contacts", "update"), ("contacts", "create")]
    assert history(contact, "contacts") == [("contacts", "update"), ("contacts", "create")]
    assert history(customer) == [("customers", "create")]
    assert history(stage["id"]) == [("stages", "create")]
    assert history(visit) == [("visits", "delete"), ("visits", "create")]
