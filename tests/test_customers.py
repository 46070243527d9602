"""Customers over REST: CRUD, filters, search, pagination, tombstones, sharing."""

from api_helpers import API, assert_error, contact, create, customer, names, new_id, personal


def test_create_read_update_delete(client, auth, org):
    headers = auth.headers(org.rep1)
    created = customer(client, headers, city="Wuxi", abc_class="A",
                       potential_profit="high", payback_period="short")
    assert created["owner_id"] == org.rep1.id
    assert created["development_strategy"] == "full"
    key = created["id"]

    read = client.get(f"{API}/customers/{key}", headers=headers)
    assert read.status_code == 200 and read.get_json()["city"] == "Wuxi"

    patched = client.patch(f"{API}/customers/{key}", headers=headers, json={"city": "Suzhou"})
    assert patched.status_code == 200
    assert patched.get_json()["city"] == "Suzhou"
    assert patched.get_json()["name"] == "Wuxi Steel"  # partial: untouched
    assert patched.get_json()["seq"] > created["seq"]

    assert client.delete(f"{API}/customers/{key}", headers=headers).status_code == 204
    assert_error(client.get(f"{API}/customers/{key}", headers=headers), 404)
    assert_error(client.patch(f"{API}/customers/{key}", headers=headers,
                              json={"city": "X"}), 404)
    assert client.get(f"{API}/customers", headers=headers).get_json()["total"] == 0


def test_delete_takes_the_subtree(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    person = contact(client, headers, key)
    assert client.delete(f"{API}/customers/{key}", headers=headers).status_code == 204
    assert_error(client.get(f"{API}/contacts/{person['id']}", headers=headers), 404)


def test_client_id_is_kept_and_cannot_be_reused(client, auth, org):
    headers = auth.headers(org.rep1)
    key = new_id()
    assert customer(client, headers, id=key)["id"] == key
    assert_error(client.post(f"{API}/customers", headers=headers,
                             json={"id": key, "name": "Again"}), 409)


def test_filters_and_search(client, auth, org):
    headers = auth.headers(org.rep1)
    a = customer(client, headers, "Alpha Pumps", city="Wuxi", industry="Water", abc_class="A")
    customer(client, headers, "Beta Motors", city="Hefei", industry="Automotive",
             abc_class="B")
    customer(client, headers, "Gamma 100% Chem", city="Ningbo", industry="Chemicals",
             is_key_account=True)
    contact(client, headers, a["id"], name="Zhang Yuqing")

    def listed(query):
        response = client.get(f"{API}/customers?{query}", headers=headers)
        assert response.status_code == 200, response.get_json()
        return names(response.get_json())

    assert listed("abc_class=B") == ["Beta Motors"]
    assert listed("is_key_account=true") == ["Gamma 100% Chem"]
    assert listed("q=hefei") == ["Beta Motors"]  # city, case-insensitive
    assert listed("q=automot") == ["Beta Motors"]  # industry
    assert listed("q=yuqing") == ["Alpha Pumps"]  # a contact's name
    assert listed("q=100%25") == ["Gamma 100% Chem"]  # % is literal
    assert listed("q=_") == []  # _ is literal too
    assert listed(f"owner_id={org.rep1.id}&abc_class=A") == ["Alpha Pumps"]
    assert listed(f"owner_id={org.rep2.id}") == []


def test_pagination(client, auth, org):
    headers = auth.headers(org.rep1)
    for number in range(5):
        customer(client, headers, f"Customer {number}")
    first = client.get(f"{API}/customers?page=1&page_size=2", headers=headers).get_json()
    third = client.get(f"{API}/customers?page=3&page_size=2", headers=headers).get_json()
    assert first["total"] == third["total"] == 5
    assert names(first) == ["Customer 0", "Customer 1"]
    assert names(third) == ["Customer 4"]
    assert (first["page"], first["page_size"]) == (1, 2)
    beyond = client.get(f"{API}/customers?page=9&page_size=2", headers=headers).get_json()
    assert beyond["items"] == [] and beyond["total"] == 5
    for bad in ("page=0", "page_size=0", "page_size=1000", "page=x"):
        assert_error(client.get(f"{API}/customers?{bad}", headers=headers), 422)


def test_rep_cannot_create_for_someone_else(client, auth, org):
    body = {"name": "Grab", "owner_id": org.rep2.id}
    assert_error(client.post(f"{API}/customers", headers=auth.headers(org.rep1), json=body),
                 403)
    made = create(client, auth.headers(org.manager), "customers", body)
    assert made["owner_id"] == org.rep2.id


def test_share_add_list_remove(client, auth, org):
    owner = auth.headers(org.rep1)
    key = customer(client, owner)["id"]
    person = contact(client, owner, key)
    personal(client, owner, person, hometown="Yangzhou")
    shared = auth.headers(org.rep2)
    assert_error(client.get(f"{API}/customers/{key}", headers=shared), 404)

    response = client.post(f"{API}/customers/{key}/shares", headers=owner,
                           json={"user_id": org.rep2.id})
    assert response.status_code == 201
    assert [row["user_id"] for row in response.get_json()] == [org.rep2.id]
    assert client.get(f"{API}/customers/{key}", headers=shared).status_code == 200
    assert client.get(f"{API}/contacts/{person['id']}", headers=shared).status_code == 200
    # ... but never the contact's personal data, nor the right to share on
    assert_error(client.get(f"{API}/contact-personal/{person['id']}", headers=shared), 404)
    assert_error(client.post(f"{API}/customers/{key}/shares", headers=shared,
                             json={"user_id": org.rep_b.id}), 403)

    removed = client.delete(f"{API}/customers/{key}/shares/{org.rep2.id}", headers=owner)
    assert removed.status_code == 204
    assert_error(client.get(f"{API}/customers/{key}", headers=shared), 404)
    assert_error(client.delete(f"{API}/customers/{key}/shares/{org.rep2.id}", headers=owner),
                 404)


def test_share_needs_a_valid_user(client, auth, org):
    owner = auth.headers(org.rep1)
    key = customer(client, owner)["id"]
    for user_id in (org.rep1.id, new_id()):
        assert_error(client.post(f"{API}/customers/{key}/shares", headers=owner,
                                 json={"user_id": user_id}), 422)
    assert_error(client.post(f"{API}/customers/{key}/shares", headers=owner,
                             json={"user_id": "nope"}), 422)


def test_competitors(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    row = create(client, headers, "competitors", {
        "customer_id": key, "competitor": "Siemens", "product": "S7", "satisfaction": "low"})
    create(client, headers, "competitors", {"customer_id": key, "competitor": "ABB"})
    listed = client.get(f"{API}/competitors?satisfaction=low", headers=headers).get_json()
    assert [item["competitor"] for item in listed["items"]] == ["Siemens"]
    listed = client.get(f"{API}/competitors?q=s7", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [row["id"]]
    assert_error(client.get(f"{API}/competitors/{row['id']}", headers=auth.headers(org.rep2)),
                 404)
    assert client.delete(f"{API}/competitors/{row['id']}", headers=headers).status_code == 204
    assert client.get(f"{API}/competitors", headers=headers).get_json()["total"] == 1
