"""What every sync costs whatever its size: a routine pull with nothing new and a push of
one mutation, through a real gunicorn (1 worker), side by side with the same server's
``/healthz`` (one HTTP request and one trivial query: the floor a request cannot beat)."""

import random
import statistics
import time

from . import push
from .common import Http, add_reps, gunicorn, make_app, ratio, seed


def run(results, url, backend, repeats=200, customers=1000):
    app = make_app(url)
    (user_id, email), = add_reps(app, 1)
    seed(app, user_id, customers, contacts=2, visits=2)
    customer_versions, contact_versions = push._records(app, user_id)
    with gunicorn(url, workers=1) as base:
        device = Http(base, email)
        *_, page = device.pull_all()
        cursor = page["cursor"]
        floor = _median_ms(repeats, lambda: _healthz(device, base))
        pull_ms = _median_ms(repeats, lambda: _routine_pull(device, cursor))
        outbox = iter(push.make_mutations(repeats, customer_versions, contact_versions,
                                          device.client_id, random.Random(11)))
        push_ms = _median_ms(repeats, lambda: _push_one(device, next(outbox)))
    note = f"median of {repeats}, gunicorn 1 worker, {customers} customers; /healthz {floor} ms"
    results.add(f"request_pull_nothing_new_{backend}", pull_ms, "ms",
                ratio=f"{ratio(pull_ms, floor)} of /healthz", note=note, healthz_ms=floor)
    results.add(f"request_push_one_{backend}", push_ms, "ms",
                ratio=f"{ratio(push_ms, floor)} of /healthz", note=note, healthz_ms=floor)
    with app.app_context():
        from server.extensions import db
        db.engine.dispose()


def _median_ms(repeats, measure):
    return round(statistics.median(measure() for _ in range(repeats)) * 1000, 2)


def _healthz(device, base):
    started = time.perf_counter()
    response = device.session.get(base + "/healthz")
    response.raise_for_status()
    return time.perf_counter() - started


def _routine_pull(device, cursor):
    status, page, _sent, _received, elapsed = device.pull(cursor, verify=False)
    if status != 200 or page["changes"]:
        raise RuntimeError(f"pull {status}: {page}")
    return elapsed


def _push_one(device, mutation):
    status, body, _sent, _received, elapsed = device.push([mutation])
    if status != 200 or body["results"][0]["status"] != "applied":
        raise RuntimeError(f"push {status}: {body}")
    return elapsed
