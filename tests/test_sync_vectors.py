"""The shared JSON vectors (tests/vectors/) hold for the Python side of the protocol.

The PWA's browser tests load the same files, so both clients agree byte for byte.
"""

import json
import pathlib

import pytest

from server.extensions import db
from server.models import Conflict
from sync import hlc
from sync.client import SyncClient
from sync.engine import format_checksum, record_hash

VECTORS = pathlib.Path(__file__).parent / "vectors"


def load(name):
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", load("checksum.json")["cases"])
def test_checksum_vectors(case):
    hashes = [record_hash(*record) for record in case["records"]]
    assert [f"{h:012x}" for h in hashes] == case["hashes"]
    assert format_checksum(sum(hashes)) == case["checksum"]


def test_hlc_clock_vectors():
    vector = load("hlc.json")
    now = {"ms": 0}
    clock = hlc.Clock(vector["clock"]["node"], lambda: now["ms"] / 1000)
    for step in vector["clock"]["steps"]:
        if step["op"] == "tick":
            now["ms"] = step["wall_ms"]
            assert clock.tick() == step["expect"]
        else:
            clock.receive(step["hlc"])
    for case in vector["clamp"]:
        assert hlc.clamp(case["hlc"], case["now_ms"]) == case["expect"]
    for earlier, later in vector["ordered_pairs"]:
        assert earlier < later and hlc.is_valid(earlier) and hlc.is_valid(later)


@pytest.mark.parametrize("text", load("hlc.json")["valid"])
def test_hlc_grammar_accepts(text):
    assert hlc.is_valid(text) and str(hlc.parse(text)) == text


@pytest.mark.parametrize("text", load("hlc.json")["invalid"], ids=repr)
def test_hlc_grammar_refuses(text):
    assert not hlc.is_valid(text)


class NoNetwork:
    def __call__(self, *args, **kwargs):
        raise AssertionError("applying pages needs no network")


@pytest.mark.parametrize("case", load("pull_apply.json")["cases"], ids=lambda c: c["name"])
def test_pull_apply_vectors(case):
    phone = SyncClient("http://unused", "x", "y", transport=NoNetwork())
    with phone._tx():
        for table, key, seq, data in case["before"]:
            phone._apply_change({"op": "put", "table": table, "id": key, "seq": seq,
                                 "data": data, "versions": {}})
    for page in case["pages"]:
        with phone._tx():
            phone._apply_page(page)
    held = sorted([table, key, seq, json.loads(data)] for table, key, seq, data in phone.db.execute(
        "SELECT table_name, id, seq, data FROM records"))
    assert held == sorted(case["after"]["records"])
    assert phone._meta("cursor") == case["after"]["cursor"]


def test_push_exchange_vectors(client, org, auth):
    vector = load("push_exchange.json")
    headers = auth.headers(org.rep1)
    for step in vector["steps"]:
        response = client.post(step["request"]["path"], json=step["request"]["body"],
                               headers=headers)
        expected = step["response"]
        body = response.get_json()
        assert response.status_code == expected["status"], body
        if expected["status"] != 200:
            assert (body["reason"], body["expected_id"]) == (
                expected["reason"], expected["expected_id"])
            continue
        assert body["last_mutation_id"] == expected["last_mutation_id"]
        got = [{k: r[k] for k in ("id", "status", "reason", "replayed") if k in r}
               for r in body["results"]]
        assert got == expected["results"]


def built(mutation):
    """What a delete vector fixes about a built mutation (id and hlc are the phone's own)."""
    return {k: mutation[k] for k in ("op", "table", "key", "base") if k in mutation}


def test_delete_builder_vectors():
    """The phone's delete carries every field version it holds for the record ({} for a
    record it never held), so the server keeps in a conflict only what changed since."""
    vector = load("delete_base.json")
    phone = SyncClient("http://unused", "x", "y", transport=NoNetwork())
    with phone._tx():
        phone._apply_page(vector["phone"]["page"])
    for build in vector["builds"]:
        phone.delete(build["table"], build["key"])
    assert [built(m) for m in phone.pending()] == vector["builds"]


def test_delete_exchange_vectors(client, org, auth):
    vector = load("delete_base.json")
    [phone_step] = [s for s in vector["steps"]
                    if s["request"]["body"]["client_id"] == vector["phone"]["client_id"]]
    # The phone's request is what both clients build (test_delete_builder_vectors, vectors.js).
    assert [built(m) for m in phone_step["request"]["body"]["mutations"]] == vector["builds"]
    headers = auth.headers(org.rep1)
    for step in vector["steps"]:
        response = client.post(step["request"]["path"], json=step["request"]["body"],
                               headers=headers)
        body = response.get_json()
        assert response.status_code == step["response"]["status"], body
        assert body["last_mutation_id"] == step["response"]["last_mutation_id"]
        assert [exchanged(result) for result in body["results"]] == step["response"]["results"]


def exchanged(result):
    """A push result as the delete vector states it: a conflict by its kind and fields."""
    out = {"id": result["id"], "status": result["status"]}
    if "conflicts" in result:
        [conflict_id] = result["conflicts"]
        db.session.expire_all()
        conflict = db.session.get(Conflict, conflict_id)
        out["conflict"] = {"kind": conflict.kind, "fields": sorted(conflict.fields)}
    return out
