"""Load: N simulated reps (reference clients, one thread each) sign in, then sync at
once against gunicorn + PostgreSQL: each round makes 3 edits and syncs (push + pull).
Reports requests/s, p50/p95/p99 latency per endpoint, errors, and runs the convergence
checks afterwards (zero lost mutations is the bar)."""

import os
import tempfile
import threading
import time

from .env import Database, Server
from .workload import Rep, Stats, run_reps, verify

ROUNDS = {10: 20, 50: 10, 200: 5}


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(workdir, sizes=(10, 50, 200), workers=4, threads=2, log=print):
    workdir = tempfile.mkdtemp(prefix="load-", dir=workdir)
    database = Database.postgresql("load")
    server = None
    try:
        database.prepare(0)
        server = Server(database, workers=workers, threads=threads,
                        log_path=os.path.join(workdir, "gunicorn.log")).start()
        results = []
        for size in sizes:
            emails = database.add_reps(size, team_name=f"Load {size}")
            results.append(exercise(database, server, emails, workdir, ROUNDS.get(size, 5)))
            log("  " + row(results[-1]))
        return results
    finally:
        if server is not None:
            server.stop()
        database.drop()


def exercise(database, server, emails, workdir, rounds):
    stats = Stats()
    phones = [Rep(email, [server.url], stats, os.path.join(workdir, f"load-{email}.db"), i)
              for i, email in enumerate(emails)]
    logins = _at_once(phones, lambda phone: phone.client.login())
    login_latencies = stats.latencies.pop("/api/v1/auth/login", [])
    started = time.perf_counter()
    stop = threading.Event()
    threads, failures = run_reps(phones, rounds=rounds, stop=stop, edits=3)
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.perf_counter() - started
    stop.set()
    errors = dict(stats.errors)
    all_latencies = [v for values in stats.latencies.values() for v in values]
    totals = verify(database, phones)  # settles, then checks: outside the timing
    for phone in phones:
        phone.close()
    ms = lambda value: None if value is None else round(value * 1000, 1)  # noqa: E731
    result = {"reps": len(phones), "rounds": rounds, "requests": len(all_latencies),
              "seconds": round(elapsed, 2),
              "requests_per_s": round(len(all_latencies) / elapsed, 1),
              "errors": sum(errors.values()) + len(failures) + len(logins),
              "error_kinds": errors, "lost_mutations": totals["mutations"] - totals["acked"],
              "mutations": totals["mutations"], "login_p50_ms": ms(percentile(login_latencies, .5))}
    for name, values in [("all", all_latencies),
                         ("push", stats.latencies.get("/api/v1/sync/push", [])),
                         ("pull", stats.latencies.get("/api/v1/sync/pull", []))]:
        for fraction in (.5, .95, .99):
            result[f"{name}_p{int(fraction * 100)}_ms"] = ms(percentile(values, fraction))
    return result


def _at_once(phones, action):
    failures = []

    def work(phone):
        try:
            action(phone)
        except Exception as error:  # noqa: BLE001
            failures.append(repr(error))

    threads = [threading.Thread(target=work, args=(phone,)) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return failures


HEADER = ("| reps | rounds | requests | req/s | p50 ms | p95 ms | p99 ms | push p95 | pull p95 "
          "| errors | lost |")


def row(r):
    return (f"| {r['reps']} | {r['rounds']} | {r['requests']} | {r['requests_per_s']} "
            f"| {r['all_p50_ms']} | {r['all_p95_ms']} | {r['all_p99_ms']} | {r['push_p95_ms']} "
            f"| {r['pull_p95_ms']} | {r['errors']} | {r['lost_mutations']} |")
