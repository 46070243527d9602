"""Opportunities over REST: defaults, filters, server-authoritative fields."""

from decimal import Decimal

from api_helpers import API, assert_error, customer, opportunity


def test_opportunity_crud_and_defaults(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    made = opportunity(client, headers, key, amount=125000.5, currency="USD",
                       expected_close_date="2025-09-30", buying_stage="system_design",
                       competitors=["Siemens"])
    assert (made["milestone"], made["probability"], made["status"]) == (1, 5, "open")
    assert made["owner_id"] == org.rep1.id
    assert Decimal(str(made["amount"])) == Decimal("125000.50")
    patched = client.patch(f"{API}/opportunities/{made['id']}", headers=headers,
                           json={"amount": "130000", "notes": "Budget approved"})
    assert patched.status_code == 200
    assert Decimal(str(patched.get_json()["amount"])) == Decimal("130000")
    assert client.delete(f"{API}/opportunities/{made['id']}", headers=headers).status_code == 204
    assert_error(client.get(f"{API}/opportunities/{made['id']}", headers=headers), 404)


def test_opportunity_filters(client, auth, org):
    rep1, rep2 = auth.headers(org.rep1), auth.headers(org.rep2)
    mine = customer(client, rep1)["id"]
    theirs = customer(client, rep2, "Theirs")["id"]
    opportunity(client, rep1, mine, "Boiler", buying_stage="evaluation")
    opportunity(client, rep2, theirs, "Crane")
    manager = auth.headers(org.manager)

    def listed(query, headers=manager):
        page = client.get(f"{API}/opportunities?{query}", headers=headers).get_json()
        return sorted(item["name"] for item in page["items"])

    assert listed("") == ["Boiler", "Crane"]
    assert listed("", rep1) == ["Boiler"]
    assert listed(f"owner_id={org.rep2.id}") == ["Crane"]
    assert listed(f"customer_id={mine}") == ["Boiler"]
    assert listed("buying_stage=evaluation") == ["Boiler"]
    assert listed("status=open&milestone=1") == ["Boiler", "Crane"]
    assert listed("status=won") == []
    assert listed("q=cra") == ["Crane"]
    assert_error(client.get(f"{API}/opportunities?status=maybe", headers=manager), 422)


def test_opportunity_validation(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    for bad in ({"amount": -1}, {"amount": "NaN"}, {"currency": "XXX"},
                {"expected_close_date": "someday"}, {"buying_stage": "haggling"},
                {"competitors": ["x" * 201]}, {"name": ""}, {"customer_id": None}):
        body = {"customer_id": key, "name": "Deal", **bad}
        errors = assert_error(client.post(f"{API}/opportunities", headers=headers, json=body),
                              422)["errors"]["json"]
        assert set(errors) == set(bad), errors
