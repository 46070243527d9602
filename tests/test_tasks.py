"""Tasks (next actions) over REST."""

from api_helpers import API, assert_error, customer, task, visit


def test_task_crud_and_filters(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    source = visit(client, headers, key)
    first = task(client, headers, key, "Send the quote", due_date="2025-04-01",
                 visit_id=source["id"], who="Li Wei", checkpoint="Quote acknowledged")
    task(client, headers, key, "Book the demo", due_date="2025-05-01")
    assert first["assignee_id"] == org.rep1.id

    def listed(query):
        page = client.get(f"{API}/tasks?{query}", headers=headers)
        assert page.status_code == 200, page.get_json()
        return [item["what"] for item in page.get_json()["items"]]

    assert listed(f"visit_id={source['id']}") == ["Send the quote"]
    assert listed("due_before=2025-04-15") == ["Send the quote"]
    assert listed("q=demo") == ["Book the demo"]
    done = client.patch(f"{API}/tasks/{first['id']}", headers=headers, json={"done": True})
    assert done.get_json()["done"] is True
    assert listed("done=false") == ["Book the demo"]
    assert listed("done=true") == ["Send the quote"]
    assert client.delete(f"{API}/tasks/{first['id']}", headers=headers).status_code == 204
    assert listed("") == ["Book the demo"]


def test_task_validation(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    for bad in ({"what": ""}, {"due_date": "2025-13-01"}, {"done": "nah"},
                {"assignee_id": "someone"}, {"who": "x" * 121}):
        body = {"customer_id": key, "what": "Call back", **bad}
        errors = assert_error(client.post(f"{API}/tasks", headers=headers, json=body),
                              422)["errors"]["json"]
        assert set(errors) == set(bad), errors
