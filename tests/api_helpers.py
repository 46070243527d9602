"""Helpers for the REST API tests: create records through the API, check the error shape."""

import uuid

API = "/api/v1"


def new_id():
    return str(uuid.uuid4())


def create(client, headers, collection, body, expect=201):
    response = client.post(f"{API}/{collection}", headers=headers, json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def customer(client, headers, name="Wuxi Steel", **fields):
    return create(client, headers, "customers", {"name": name, **fields})


def contact(client, headers, customer_id, name="Li Wei", **fields):
    return create(client, headers, "contacts", {"customer_id": customer_id, "name": name,
                                                **fields})


def personal(client, headers, contact_row, **fields):
    return create(client, headers, "contact-personal", {
        "id": contact_row["id"], "customer_id": contact_row["customer_id"], **fields})


def opportunity(client, headers, customer_id, name="Line 3 upgrade", **fields):
    return create(client, headers, "opportunities", {"customer_id": customer_id, "name": name,
                                                     **fields})


def visit(client, headers, customer_id, **fields):
    body = {"customer_id": customer_id, "type": "customer_visit",
            "occurred_at": "2025-03-01T09:00:00Z", "purpose": "Meet the chief engineer"}
    return create(client, headers, "visits", {**body, **fields})


def task(client, headers, customer_id, what="Send the quote", **fields):
    return create(client, headers, "tasks", {"customer_id": customer_id, "what": what,
                                             **fields})


def names(page):
    return sorted(item.get("name") for item in page["items"])


def assert_error(response, code):
    """The one error shape: code, status, message (and errors for validation)."""
    assert response.status_code == code, (response.status_code, response.get_data(as_text=True))
    body = response.get_json()
    assert body is not None, response.get_data(as_text=True)
    assert body["code"] == code
    assert isinstance(body["status"], str) and body["status"]
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"code", "status", "message", "errors", "reason", "expected_id",
                         "supported_schema_version"}
    return body
