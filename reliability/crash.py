"""Crashes: gunicorn is SIGKILLed (master and workers at once) at random moments while
reps push and pull, then restarted; in the end nothing acknowledged is lost or doubled
and every phone converges (``workload.verify``)."""

import os
import random
import tempfile
import threading
import time

from .env import Database, Server
from .workload import Rep, Stats, run_reps, verify


def run(kind, workdir, kills=30, reps=4, seed=1, log=print):
    """A database and a server of its own: ``kills`` SIGKILLs, then the checks."""
    workdir = tempfile.mkdtemp(prefix=f"crash-{kind}-", dir=workdir)
    database = Database.sqlite(workdir) if kind == "sqlite" else Database.postgresql("crash")
    server = None
    try:
        emails = database.prepare(reps)
        server = Server(database, workers=2, log_path=os.path.join(workdir, "gunicorn.log"))
        server.start()
        return exercise(database, server, emails, workdir, kills, seed, log)
    finally:
        if server is not None:
            server.stop()
        database.drop()


def exercise(database, server, emails, workdir, kills, seed=1, log=print, up=(0.2, 1.2)):
    started = time.monotonic()
    stats = Stats()
    phones = [Rep(email, [server.url], stats, os.path.join(workdir, f"crash-phone-{i}.db"),
                  seed * 1000 + i) for i, email in enumerate(emails)]
    stop = threading.Event()
    threads, failures = run_reps(phones, rounds=100_000, stop=stop, edits=3, pause=0.05,
                                 reopen_chance=0.3)
    rng = random.Random(seed)
    try:
        for number in range(kills):
            time.sleep(rng.uniform(*up))
            server.crash()
            time.sleep(rng.uniform(0.0, 0.3))
            server.start()
            if (number + 1) % 10 == 0:
                log(f"  {database.kind}: {number + 1}/{kills} kills")
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not failures, failures
    totals = verify(database, phones)
    cut = sum(count for name, count in stats.errors.items() if name.startswith("None"))
    for phone in phones:
        phone.close()
    return {"database": database.kind, "kills": kills, "reps": len(phones), **totals,
            "requests_cut_by_kill": cut, "phone_restarts": sum(p.reopened for p in phones),
            "seconds": round(time.monotonic() - started, 1)}
