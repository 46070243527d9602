"""The stage template over REST (admins write; everyone reads) and conflicts."""

from api_helpers import API, assert_error, customer
from sync_helpers import Device

STAGE = {"number": 1, "key": "project_approval", "name_en": "Project approval",
         "name_zh": "项目立项", "probability": 5, "criteria_rule": "all",
         "criteria": [{"en": "Need is clear", "zh": "需求基本明确"}]}


def test_admin_manages_stages_and_everyone_reads(client, auth, org):
    admin = auth.headers(org.admin)
    made = client.post(f"{API}/stages", headers=admin, json=STAGE)
    assert made.status_code == 201, made.get_json()
    second = client.post(f"{API}/stages", headers=admin, json={
        **STAGE, "number": 2, "key": "deep_contact", "name_en": "Deep contact",
        "probability": 10}).get_json()
    rep = auth.headers(org.rep_b)
    page = client.get(f"{API}/stages", headers=rep).get_json()
    assert [item["number"] for item in page["items"]] == [1, 2]
    assert client.get(f"{API}/stages?q=deep", headers=rep).get_json()["total"] == 1
    patched = client.patch(f"{API}/stages/{second['id']}", headers=admin,
                           json={"probability": 15})
    assert patched.get_json()["probability"] == 15
    assert client.delete(f"{API}/stages/{second['id']}", headers=admin).status_code == 204
    assert client.get(f"{API}/stages", headers=rep).get_json()["total"] == 1


def test_stage_validation(client, auth, org):
    admin = auth.headers(org.admin)
    for bad in ({"probability": 101}, {"key": "Not A Key"}, {"number": 0},
                {"criteria_rule": "some"}, {"criteria": [{"fr": "non"}]},
                {"stall_days": 0}):
        errors = assert_error(client.post(f"{API}/stages", headers=admin,
                                          json={**STAGE, **bad}), 422)["errors"]["json"]
        assert set(errors) == set(bad), errors


def test_conflicts_are_read_and_closed(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    phone = Device(client, headers)
    phone.pull()
    # the server edits the city, then the phone pushes an edit based on the old version
    client.patch(f"{API}/customers/{key}", headers=headers, json={"city": "Server city"})
    result = phone.push(phone.put("customers", key, {"city": "Phone city"}))
    assert result["results"][0]["status"] == "conflict"
    page = client.get(f"{API}/conflicts?status=open&customer_id={key}", headers=headers)
    conflict = page.get_json()["items"][0]
    assert conflict["record_id"] == key and "city" in conflict["fields"]
    assert_error(client.get(f"{API}/conflicts/{conflict['id']}",
                            headers=auth.headers(org.rep2)), 404)
    assert_error(client.patch(f"{API}/conflicts/{conflict['id']}", headers=headers,
                              json={"kind": "text"}), 422)
    closed = client.patch(f"{API}/conflicts/{conflict['id']}", headers=headers,
                          json={"status": "resolved"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "resolved"
    assert client.get(f"{API}/conflicts?status=open", headers=headers).get_json()["total"] == 0
    assert_error(client.post(f"{API}/conflicts", headers=headers, json={}), 405)
