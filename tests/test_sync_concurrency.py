"""Concurrent pushes and pulls: a reader's cursor never skips a change that commits late.

On PostgreSQL a sequence hands out numbers at insert time, but rows become visible at
commit time; a cursor-based reader could see 12 before 11 commits and skip 11 for ever.
The engine hands out seqs only under the sync lock (docs/sync-protocol.md, P1 and L3).
"""

import threading

from server.extensions import db
from tests.sync_helpers import Device, new_id

WRITERS = 4
PUSHES_PER_WRITER = 15


def test_cursor_never_skips_a_late_commit(app, org, auth):
    http = app.test_client()
    headers = auth.headers(org.rep1)
    # End this thread's read transaction (loading org.rep1): on SQLite it would hold
    # the database's write lock that the writer threads' requests wait for.
    db.session.commit()
    created, errors = [], []
    done = threading.Event()

    def writer(number):
        device = Device(app.test_client(), headers, f"writer{number}")
        try:
            for _ in range(PUSHES_PER_WRITER):
                keys = [new_id() for _ in range(3)]
                device.push(*[device.put("customers", key, {"name": f"W{number}"})
                              for key in keys])
                created.extend(keys)
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    reader = Device(http, headers, "reader")
    seen = set()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]

    def read_while_writing():
        while not done.is_set():
            changes, _ = reader.pull(limit=7)
            seen.update(c["id"] for c in changes if c["table"] == "customers")

    reading = threading.Thread(target=read_while_writing)
    reading.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reading.join()
    assert errors == []
    changes, page = reader.pull()  # one last incremental pull: no reset, no re-download
    seen.update(c["id"] for c in changes if c["table"] == "customers")
    assert len(created) == WRITERS * PUSHES_PER_WRITER * 3
    assert seen == set(created)
    assert page["count"] == len(created)
