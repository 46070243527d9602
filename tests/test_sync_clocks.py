"""HLCs are parsed by one exact grammar, no clock ever leaves it, and a stored version
outside it (written by an older server) is repaired, never a 500 (docs/sync-protocol.md).

The grammar: ``<ms: 13 ASCII digits>-<counter: 5 ASCII digits>-<node: 1-64 of A-Z a-z
0-9 - _>``. Plain string order is clock order only inside it: a non-ASCII digit sorts
after every real HLC, so a version written with one would win every later conflict.
"""

import logging
import string
import time

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from server.extensions import db
from server.models import Conflict, Customer
from sync import hlc
from sync.engine import ChangeSet
from tests.sync_helpers import Device, new_id

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
NODE_CHARS = string.ascii_letters + string.digits + "-_"
DAY_AGO = time.time() - 86400  # stamps in the past: the server's clamp leaves them alone


def documented_grammar(text):
    """The grammar as docs/sync-protocol.md words it, written without a regex."""
    if not isinstance(text, str):
        return False
    parts = text.split("-", 2)
    return (len(parts) == 3 and len(parts[0]) == 13 and len(parts[1]) == 5
            and all(c in string.digits for c in parts[0] + parts[1])
            and 1 <= len(parts[2]) <= 64 and all(c in NODE_CHARS for c in parts[2]))


def unicode_digits(stamp, table=ARABIC_INDIC):
    """The same HLC with its ms and counter in other digits (``str.isdigit`` is true)."""
    ms, counter, node = stamp.split("-", 2)
    return f"{ms.translate(table)}-{counter.translate(table)}-{node}"


def current(key):
    db.session.expire_all()
    return db.session.get(Customer, key)


def seeded_customer(maker, *others, **fields):
    key = new_id()
    result = maker.push(maker.put("customers", key, {"name": "Acme", **fields}))
    assert result["results"][0]["status"] == "applied"
    for device in (maker, *others):
        device.pull()
    return key


def store_version(key, field, version):
    """Write a field version straight into the table, as an older server did."""
    table = Customer.__table__
    versions = {**current(key).field_versions, field: version}
    db.session.execute(sa.update(table).where(table.c.id == key).values(
        field_versions=versions))
    db.session.commit()


# -- a device's stamp ------------------------------------------------------------------

@pytest.mark.parametrize("spoil", [
    lambda s: unicode_digits(s, ARABIC_INDIC),
    lambda s: unicode_digits(s, FULLWIDTH),
    lambda s: s[:14] + "1" + s[14:],  # a six-digit counter
], ids=["arabic-indic", "fullwidth", "six-digit-counter"])
def test_a_stamp_outside_the_grammar_is_refused_and_wins_nothing(client, org, auth, spoil):
    honest = Device(client, auth.headers(org.rep1), "honest", now=lambda: DAY_AGO)
    spoiler = Device(client, auth.headers(org.rep1), "spoiler", now=lambda: DAY_AGO + 1)
    key = seeded_customer(honest, spoiler, city="Wuxi")
    edit = spoiler.put("customers", key, {"city": "Spoiled"})
    edit["hlc"] = spoil(edit["hlc"])
    [result] = spoiler.push(edit)["results"]
    assert (result["status"], result["reason"]) == ("rejected", "invalid")
    assert "hlc" in result["errors"]
    # A later edit by a phone that never saw it is a plain edit: nothing to lose to.
    [result] = honest.push(honest.put("customers", key, {"city": "Suzhou"}))["results"]
    assert result["status"] == "applied"
    assert current(key).city == "Suzhou"
    assert db.session.query(Conflict).count() == 0
    assert all(hlc.is_valid(v) for v in current(key).field_versions.values())


# -- the server's own stamps -------------------------------------------------------------

def test_the_version_after_counter_99999_carries_into_the_next_millisecond(client, org, auth):
    """A write whose stamp is not later than the current version gets the version just
    after it: past counter 99999 that used to be a six-digit counter, which nothing
    could parse again."""
    late = Device(client, auth.headers(org.rep1), "late", now=lambda: DAY_AGO)
    slow = Device(client, auth.headers(org.rep1), "slow", now=lambda: DAY_AGO - 60)
    key = seeded_customer(late, slow, city="Wuxi")
    late.clock.receive(f"{int(DAY_AGO * 1000):013d}-99998-other")
    edit = late.put("customers", key, {"city": "Suzhou"})
    assert edit["hlc"].split("-")[1] == "99999"
    late.push(edit)
    # Seen "Suzhou", stamped a minute earlier: it still orders after what it saw.
    slow.push(slow.put("customers", key, {"city": "Nanjing"},
                       base={"city": edit["hlc"]}))
    version = current(key).field_versions["city"]
    assert hlc.is_valid(version), version
    stamp = hlc.parse(version)
    assert (stamp.ms, stamp.counter, stamp.node) == (int(DAY_AGO * 1000) + 1, 0, slow.client_id)
    assert version > edit["hlc"]
    # And everyone can go on editing the field.
    late.pull()
    [result] = late.push(late.put("customers", key, {"city": "Changzhou"}))["results"]
    assert result["status"] == "applied"


def test_later_version_stays_in_the_grammar_at_the_top_of_the_counter():
    after = ChangeSet._later_version("1763800000000-00003-b", "1763800000000-99999-a")
    assert after == "1763800000001-00000-b"
    assert ChangeSet._later_version("1763800000000-00003-b", "1763800000000-00007-a") \
        == "1763800000000-00008-b"


def test_a_frozen_clock_ticks_through_the_carry_in_order():
    clock = hlc.Clock("server", now=lambda: 1_763_800_000.0)
    clock.receive("1763800000000-99990-other")
    previous = clock.tick()
    for _ in range(200_000):
        stamp = clock.tick()
        assert stamp > previous and hlc.is_valid(stamp), (previous, stamp)
        previous = stamp
    # 99991 + 200000 = 2 * 100000 + 99991: carried into the millisecond twice.
    assert previous == "1763800000002-99991-server"


@given(start=st.integers(0, hlc.MAX_COUNTER), ticks=st.integers(1, 300),
       seen=st.lists(st.integers(0, 400), max_size=3))
def test_ticks_and_receives_are_increasing_and_in_the_grammar(start, ticks, seen):
    wall = 1_763_800_000_000
    clock = hlc.Clock("phone-1", now=lambda: wall / 1000)
    clock.receive(f"{wall:013d}-{start:05d}-other")
    stamps = []
    for i in range(ticks):
        if i in seen:  # another device's stamp, up to the top of the counter
            clock.receive(f"{wall:013d}-{hlc.MAX_COUNTER:05d}-other")
        stamps.append(clock.tick())
    assert stamps == sorted(set(stamps))
    assert all(str(hlc.parse(s)) == s for s in stamps)


# -- the grammar -----------------------------------------------------------------------

TRICKY = "0123456789-_aZ +\n.é٣０০²"
valid_stamps = st.builds("{:013d}-{:05d}-{}".format, st.integers(0, hlc.MAX_MS),
                         st.integers(0, hlc.MAX_COUNTER),
                         st.text(NODE_CHARS, min_size=1, max_size=64))


@st.composite
def near_misses(draw):
    """A valid stamp with one character replaced, inserted or dropped."""
    text = draw(valid_stamps)
    at = draw(st.integers(0, len(text) - 1))
    char = draw(st.sampled_from(TRICKY))
    return draw(st.sampled_from([text[:at] + char + text[at + 1:], text[:at] + char + text[at:],
                                 text[:at] + text[at + 1:]]))


@given(st.one_of(valid_stamps, near_misses(), st.text(TRICKY, max_size=90),
                 st.integers(), st.none()))
def test_is_valid_is_exactly_the_documented_grammar(text):
    assert hlc.is_valid(text) == documented_grammar(text)
    if documented_grammar(text):
        assert str(hlc.parse(text)) == text


def test_timestamps_outside_the_grammar_are_never_formatted():
    for outside in [(10**13, 0, "a"), (0, 100_000, "a"), (-1, 0, "a"), (0, 0, ""),
                    (0, 0, "a b")]:
        with pytest.raises(ValueError):
            str(hlc.Timestamp(*outside))
    with pytest.raises(ValueError):
        hlc.Clock("phone 1")


# -- a stored version outside the grammar ------------------------------------------------

@pytest.mark.parametrize("bad", [
    "1763800000000-100000-old",  # an older server's tick past counter 99999
    unicode_digits("1763800000000-00000-old"),  # a device's stamp an older server took
    "not an hlc",
], ids=["six-digit-counter", "arabic-indic", "junk"])
def test_an_unparsable_stored_version_is_repaired_by_the_next_write(client, org, auth,
                                                                    caplog, bad):
    maker = Device(client, auth.headers(org.rep1), "maker")
    offline = Device(client, auth.headers(org.rep1), "offline")
    edited = seeded_customer(maker, offline, city="Wuxi")
    deleted = seeded_customer(maker, offline, city="Wuxi")
    store_version(edited, "city", bad)
    store_version(deleted, "city", bad)
    caplog.set_level(logging.WARNING, logger="sync.engine")
    # The offline phone's edit and delete were made against the versions it pulled.
    body = offline.push(offline.put("customers", edited, {"city": "Suzhou"}),
                        offline.delete("customers", deleted))
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    row = current(edited)
    assert row.city == "Suzhou"
    assert hlc.is_valid(row.field_versions["city"]), row.field_versions
    assert hlc.parse(row.field_versions["city"]).node == offline.client_id
    assert current(deleted).deleted
    warnings = [r.getMessage() for r in caplog.records if r.name == "sync.engine"]
    for key in (edited, deleted):
        assert any(f"customers/{key}" in m and "'city'" in m for m in warnings), warnings
    # Every phone can pull the repaired record and edit it again.
    maker.pull()
    [result] = maker.push(maker.put("customers", edited, {"city": "Nanjing"}))["results"]
    assert result["status"] == "applied"
