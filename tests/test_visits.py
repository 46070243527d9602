"""Visits over REST: author, gift cap, filters."""

from api_helpers import API, assert_error, customer, visit

from server.domain import GIFT_VALUE_CAP


def test_visit_crud(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    made = visit(client, headers, key, type="gift", gift_value=GIFT_VALUE_CAP,
                 duration_minutes=30)
    assert made["author_id"] == org.rep1.id
    patched = client.patch(f"{API}/visits/{made['id']}", headers=headers,
                           json={"outcome": "They will test samples"})
    assert patched.get_json()["outcome"] == "They will test samples"
    assert client.delete(f"{API}/visits/{made['id']}", headers=headers).status_code == 204
    assert client.get(f"{API}/visits", headers=headers).get_json()["total"] == 0


def test_visit_validation(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    base = {"customer_id": key, "type": "gift", "occurred_at": "2025-03-01T09:00:00Z"}
    for bad in ({"gift_value": GIFT_VALUE_CAP + 1}, {"type": "bribe"},
                {"occurred_at": "yesterday"}, {"duration_minutes": -5},
                {"contact_ids": ["nope"]}, {"author_id": org.rep2.id}):
        errors = assert_error(client.post(f"{API}/visits", headers=headers,
                                          json={**base, **bad}), 422)["errors"]["json"]
        assert set(errors) == set(bad), errors


def test_visit_filters(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    visit(client, headers, key, type="exhibition", occurred_at="2025-01-10T08:00:00Z",
          purpose="Trade show")
    visit(client, headers, key, type="site_visit", occurred_at="2025-02-10T08:00:00Z",
          purpose="Reference plant")

    def listed(query):
        page = client.get(f"{API}/visits?{query}", headers=headers)
        assert page.status_code == 200, page.get_json()
        return [item["purpose"] for item in page.get_json()["items"]]

    assert listed("") == ["Reference plant", "Trade show"]  # newest first
    assert listed("type=exhibition") == ["Trade show"]
    assert listed("occurred_from=2025-02-01T00:00:00Z") == ["Reference plant"]
    assert listed("occurred_to=2025-02-01T00:00:00Z") == ["Trade show"]
    assert listed("q=plant") == ["Reference plant"]
    assert listed(f"author_id={org.rep2.id}") == []
