"""Every error, from every layer, has the one JSON shape; bad input never gives a 500."""

import pytest
from api_helpers import API, assert_error, customer


def test_400_malformed_json(client, auth, org):
    response = client.post(f"{API}/customers", headers={
        **auth.headers(org.rep1), "Content-Type": "application/json"}, data=b'{"name": ')
    assert_error(response, 400)


def test_400_bad_gzip(client, auth, org):
    response = client.post(f"{API}/customers", headers={
        **auth.headers(org.rep1), "Content-Type": "application/json",
        "Content-Encoding": "gzip"}, data=b"not gzip at all")
    assert_error(response, 400)


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not.a.token", "Basic abc"])
def test_401_without_a_valid_token(client, header):
    headers = {"Authorization": header} if header else {}
    assert_error(client.get(f"{API}/customers", headers=headers), 401)


def test_403(client, auth, org):
    assert_error(client.post(f"{API}/teams", headers=auth.headers(org.rep1),
                             json={"name": "X"}), 403)


def test_404_unknown_route_and_unknown_id(client, auth, org):
    headers = auth.headers(org.rep1)
    assert_error(client.get(f"{API}/nothing-here", headers=headers), 404)
    assert_error(client.get("/no/such/page"), 404)
    assert_error(client.get(f"{API}/customers/00000000-0000-4000-8000-000000000000",
                            headers=headers), 404)


@pytest.mark.parametrize("path", ["not-a-uuid", "1", "00000000-0000-4000-8000-00000000000Z",
                                  "'%20OR%201=1"])
def test_bad_uuid_in_the_path_is_404(client, auth, org, path):
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)(f"{API}/customers/{path}",
                                           headers=auth.headers(org.rep1), json={})
        assert_error(response, 404)


def test_405(client, auth, org):
    assert_error(client.put(f"{API}/customers", headers=auth.headers(org.rep1), json={}), 405)
    assert_error(client.delete(f"{API}/conflicts/00000000-0000-4000-8000-000000000000",
                               headers=auth.headers(org.rep1)), 405)


def test_413_oversize_body(client, auth, org, app):
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    body = b'{"name": "' + b"x" * size + b'"}'
    response = client.post(f"{API}/customers", headers={
        **auth.headers(org.rep1), "Content-Type": "application/json"}, data=body)
    assert_error(response, 413)


def test_422_has_field_errors(client, auth, org):
    body = assert_error(client.post(f"{API}/customers", headers=auth.headers(org.rep1),
                                    json={"city": 3}), 422)
    assert set(body["errors"]["json"]) == {"name", "city"}


def test_429_login_rate_limit(client, app, org):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        client.post(f"{API}/auth/login", json={"email": "x@example.com", "password": "y"})
    response = client.post(f"{API}/auth/login", json={"email": org.rep1.email,
                                                      "password": "correct horse battery"})
    assert_error(response, 429)


BAD_BODIES = [
    [], "a string", 42, None, {"name": None}, {"name": ""}, {"name": ["list"]},
    {"name": {"obj": 1}}, {"name": "x" * 201}, {"name": "ok", "abc_class": "Z"},
    {"name": "ok", "owner_id": "not-a-uuid"}, {"name": "ok", "unknown_field": 1},
    {"name": "ok", "key_account_criteria": {"purchase_volume": 9}},
    {"name": "ok", "key_account_criteria": {"nonsense": 1}},
    {"name": "ok", "is_key_account": "perhaps"}, {"name": "ok", "seq": 5},
    {"name": "ok", "id": "not-a-uuid"}, {"name": "ok", "email": "no-at-sign"},
    {"name": "\x00" * 10, "notes": "y" * 20001},
]


@pytest.mark.parametrize("body", BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_no_500_on_bad_input(client, auth, org, body):
    headers = auth.headers(org.rep1)
    response = client.post(f"{API}/customers", headers=headers, json=body)
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    key = customer(client, headers)["id"]
    response = client.patch(f"{API}/customers/{key}", headers=headers, json=body)
    assert 400 <= response.status_code < 500 or response.status_code == 200
    if response.status_code != 200:
        assert_error(response, response.status_code)


@pytest.mark.parametrize("query", ["page=-1", "page_size=abc", "abc_class=Q",
                                   "owner_id=nope", "is_key_account=maybe",
                                   "q=" + "x" * 101, "q="])
def test_no_500_on_bad_query(client, auth, org, query):
    assert_error(client.get(f"{API}/customers?{query}", headers=auth.headers(org.rep1)), 422)
