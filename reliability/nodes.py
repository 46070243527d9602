"""Two app nodes, one PostgreSQL: two gunicorn instances on different ports share one
database (and Redis for the login rate limit); every request of every phone goes to a
node picked at random, so a push and the pull after it, or two pages of one pull, are
answered by different nodes. Optionally one node is SIGKILLed now and then (the phones
fail over to the other). The checks are the crash test's (``workload.verify``)."""

import os
import random
import tempfile
import threading
import time

from .env import Database, Server
from .workload import Rep, Stats, run_reps, verify

REDIS_URL = os.environ.get("RELIABILITY_REDIS_URL", "redis://127.0.0.1:6379/0")


def run(workdir, reps=6, rounds=40, node_kills=5, seed=2, log=print):
    workdir = tempfile.mkdtemp(prefix="nodes-", dir=workdir)
    database = Database.postgresql("nodes")
    servers = []
    try:
        emails = database.prepare(reps)
        for name in ("a", "b"):
            servers.append(Server(database, workers=2, redis_url=REDIS_URL,
                                  log_path=os.path.join(workdir, f"node-{name}.log")).start())
        return exercise(database, servers, emails, workdir, rounds, node_kills, seed, log)
    finally:
        for server in servers:
            server.stop()
        database.drop()


def exercise(database, servers, emails, workdir, rounds, node_kills=0, seed=2, log=print):
    started = time.monotonic()
    stats = Stats()
    urls = [server.url for server in servers]
    phones = [Rep(email, urls, stats, os.path.join(workdir, f"nodes-phone-{i}.db"),
                  seed * 1000 + i) for i, email in enumerate(emails)]
    stop = threading.Event()
    threads, failures = run_reps(phones, rounds=rounds, stop=stop, edits=3, pause=0.05)
    rng = random.Random(seed)
    try:
        for _ in range(node_kills):
            time.sleep(rng.uniform(0.5, 2.0))
            node = rng.choice(servers)
            node.crash()
            time.sleep(rng.uniform(0.0, 0.5))
            node.start()
    finally:
        deadline = time.monotonic() + 300
        for thread in threads:
            thread.join(timeout=max(1, deadline - time.monotonic()))
        stop.set()
    assert not failures, failures
    totals = verify(database, phones)
    for phone in phones:
        phone.close()
    requests = sum(len(values) for values in stats.latencies.values())
    return {"nodes": len(servers), "reps": len(phones), "rounds": rounds,
            "node_kills": node_kills, **totals, "requests": requests,
            "requests_failed_over": sum(c for n, c in stats.errors.items()
                                        if n.startswith("None")),
            "errors_5xx": sum(c for n, c in stats.errors.items() if n[:1] == "5"),
            "seconds": round(time.monotonic() - started, 1)}
