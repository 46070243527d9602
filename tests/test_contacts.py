"""Contacts and their personal data over REST."""

from api_helpers import API, assert_error, contact, customer, new_id, personal


def test_contact_crud_and_filters(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    other = customer(client, headers, "Other")["id"]
    boss = contact(client, headers, key, name="Chen Bo", level="executive",
                   roles=["decision_maker"], stance="ally")
    contact(client, headers, key, name="Liu Min", roles=["coach", "user"], stance="supporter",
            reports_to_id=boss["id"])
    contact(client, headers, other, name="Coach Elsewhere", roles=["coach"])

    def listed(query):
        page = client.get(f"{API}/contacts?{query}", headers=headers)
        assert page.status_code == 200, page.get_json()
        return sorted(item["name"] for item in page.get_json()["items"])

    assert listed(f"customer_id={key}") == ["Chen Bo", "Liu Min"]
    assert listed(f"customer_id={key}&role=coach") == ["Liu Min"]
    assert listed("role=coach") == ["Coach Elsewhere", "Liu Min"]
    assert listed("role=user") == ["Liu Min"]
    assert listed("level=executive") == ["Chen Bo"]
    assert listed(f"reports_to_id={boss['id']}") == ["Liu Min"]
    assert listed("q=chen") == ["Chen Bo"]
    assert_error(client.get(f"{API}/contacts?role=boss", headers=headers), 422)

    moved = client.patch(f"{API}/contacts/{boss['id']}", headers=headers,
                         json={"customer_id": other})
    assert_error(moved, 422)  # a contact never moves to another customer
    assert client.delete(f"{API}/contacts/{boss['id']}", headers=headers).status_code == 204
    assert listed(f"customer_id={key}") == ["Liu Min"]


def test_personal_data(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    person = contact(client, headers, key)
    row = personal(client, headers, person, hometown="Yangzhou", sports="Table tennis")
    assert row["id"] == person["id"]
    read = client.get(f"{API}/contact-personal/{person['id']}", headers=headers).get_json()
    assert read["sports"] == "Table tennis"
    patched = client.patch(f"{API}/contact-personal/{person['id']}", headers=headers,
                           json={"pets": "A cat"})
    assert patched.get_json()["pets"] == "A cat" and patched.get_json()["hometown"] == "Yangzhou"
    page = client.get(f"{API}/contact-personal?q=yangzhou", headers=headers).get_json()
    assert [item["id"] for item in page["items"]] == [person["id"]]
    # contacts never carry personal fields
    assert "hometown" not in client.get(f"{API}/contacts/{person['id']}",
                                        headers=headers).get_json()


def test_personal_data_must_belong_to_a_live_contact(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    other = customer(client, headers, "Other")["id"]
    person = contact(client, headers, key)
    for body in ({"id": new_id(), "customer_id": key},
                 {"id": person["id"], "customer_id": other},
                 {"customer_id": key}):
        assert_error(client.post(f"{API}/contact-personal", headers=headers, json=body), 422)


def test_deleting_a_contact_deletes_the_personal_data_about_them(client, auth, org):
    """Even when a rep the customer is shared with (who never sees personal data)
    deletes the contact: nothing personal about someone gone from the chain lingers,
    on the server or, through the tombstone, on the owner's phone."""
    from sync_helpers import Device

    owner, shared = auth.headers(org.rep1), auth.headers(org.rep2)
    key = customer(client, owner)["id"]
    client.post(f"{API}/customers/{key}/shares", headers=owner, json={"user_id": org.rep2.id})
    person = contact(client, owner, key)
    personal(client, owner, person, hometown="Yangzhou")
    kept = contact(client, owner, key, name="Stays")
    personal(client, owner, kept, hometown="Wuxi")
    phone = Device(client, owner)
    phone.pull()

    assert client.delete(f"{API}/contacts/{person['id']}", headers=shared).status_code == 204
    assert_error(client.get(f"{API}/contact-personal/{person['id']}", headers=owner), 404)
    assert client.get(f"{API}/contact-personal/{kept['id']}", headers=owner).status_code == 200
    changes, page = phone.pull()
    assert {(c["table"], c["id"]) for c in changes if c["op"] == "del"} == {
        ("contacts", person["id"]), ("contact_personal", person["id"])}
    assert page["count"] == Device(client, owner, "fresh").pull()[1]["count"]
