"""The shared JSON vectors (tests/vectors/) hold for the Python side of the protocol.

The PWA's browser tests load the same files, so both clients agree byte for byte.
"""

import json
import pathlib

import pytest

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
        assert earlier < later


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
