"""Proof 3: the PWA's JavaScript sync code passes the shared vectors in tests/vectors/
(the same files the Python client and server are checked against), plus unit checks of
its pure modules against values computed here in Python."""

import hashlib
import json
from pathlib import Path

import pytest

from sync import hlc

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
JS = ROOT / "tests" / "js"


@pytest.fixture
def blank_page(server, phone):
    """The app's origin with nobody signed in: the modules load, no sync runs."""
    page = phone().new_page()
    page.goto(server.url + "/")
    page.get_by_test_id("login-email").wait_for()
    return page


def test_js_sync_code_passes_the_shared_vectors(blank_page):
    vectors = {p.name: json.loads(p.read_text(encoding="utf-8"))
               for p in sorted(VECTORS.glob("*.json"))}
    assert vectors, "no shared vectors in tests/vectors/"
    result = blank_page.evaluate((JS / "vectors.js").read_text(), vectors)
    assert result["failures"] == []
    # Every vector file was exercised.
    prefixes = {name.split(".")[0].split("[")[0] for name in result["ran"]}
    assert {"hlc", "checksum", "pull_apply", "push", "delete"} <= prefixes, result["ran"]


def test_js_sync_units(blank_page):
    digest = hashlib.sha256(b"tasks/t-1/42").hexdigest()[:12]
    expected = {"hlc_format": str(hlc.Timestamp(5, 7, "x")), "hash_tasks_t1_42": digest}
    assert blank_page.evaluate((JS / "unit.js").read_text(), expected) == []
