"""Field-level 422s for every writable collection: each bad field is named in ``errors``."""

import pytest
from api_helpers import API, assert_error, contact, customer

# collection -> (a valid body builder, [bad fields])
CASES = {
    "customers": (lambda key, person: {"name": "Ok"}, [
        {"name": ""}, {"name": "x" * 201}, {"abc_class": "D"}, {"loyalty": "fickle"},
        {"relationship_level": "soulmate"}, {"potential_profit": "huge"},
        {"payback_period": "never"}, {"email": "nope"}, {"city": "x" * 101},
        {"key_account_criteria": {"purchase_volume": 0}}, {"is_key_account": "sometimes"},
        {"owner_id": "x"}, {"notes": "x" * 20001}, {"development_strategy": "full"},
        {"seq": 1}, {"created_at": "2025-01-01T00:00:00Z"}, {"surprise": 1}]),
    "contacts": (lambda key, person: {"customer_id": key, "name": "Ok"}, [
        {"name": None}, {"level": "ceo"}, {"roles": ["hero"]}, {"roles": "coach"},
        {"stance": "enemy"}, {"mindshare": "medium"}, {"heartshare": 1},
        {"reports_to_id": "boss"}, {"email": "@"}, {"customer_id": "x"}, {"hometown": "x"}]),
    "competitors": (lambda key, person: {"customer_id": key, "competitor": "Ok"}, [
        {"competitor": ""}, {"satisfaction": "ecstatic"}, {"rep_name": "x" * 121},
        {"product": ["list"]}]),
    "contact-personal": (lambda key, person: {"id": person, "customer_id": key}, [
        {"hometown": "x" * 2001}, {"pets": 3}, {"name": "not personal"}]),
}


@pytest.mark.parametrize("collection", list(CASES))
def test_each_bad_field_is_reported(client, auth, org, collection):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    person = contact(client, headers, key)["id"]
    valid, bad_cases = CASES[collection]
    for bad in bad_cases:
        body = {**valid(key, person), **bad}
        response = client.post(f"{API}/{collection}", headers=headers, json=body)
        errors = assert_error(response, 422)["errors"]["json"]
        assert set(errors) == set(bad), (bad, errors)
    # the valid body itself is accepted (so the failures above are the bad fields')
    assert client.post(f"{API}/{collection}", headers=headers,
                       json=valid(key, person)).status_code == 201


def test_patch_is_partial_but_still_validated(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers, abc_class="A")["id"]
    assert client.patch(f"{API}/customers/{key}", headers=headers, json={}).status_code == 200
    errors = assert_error(client.patch(f"{API}/customers/{key}", headers=headers,
                                       json={"name": "", "abc_class": "Z"}), 422)
    assert set(errors["errors"]["json"]) == {"name", "abc_class"}
    assert_error(client.patch(f"{API}/customers/{key}", headers=headers,
                              json={"id": "11111111-1111-4111-8111-111111111111"}), 422)
    row = client.get(f"{API}/customers/{key}", headers=headers).get_json()
    assert row["abc_class"] == "A" and row["name"] == "Wuxi Steel"
