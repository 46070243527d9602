"""Concurrency (pushes/s with 1, 2, 4 gunicorn workers) and cost growth (push and pull time
at 1x, 4x, 16x data)."""

import random
import threading
import time

from .common import Http, add_reps, fresh_database, gunicorn, make_app, seed
from .push import _records, make_mutations


def concurrency(results, url, backend, worker_counts=(1, 2, 4), devices_per_rep=2, reps=4,
                pushes=15, per_push=20, customers=200):
    """``reps`` x ``devices_per_rep`` phones push at once, each ``pushes`` pushes of
    ``per_push`` mutations; pushes/s over the whole run."""
    app = make_app(url)
    users = add_reps(app, reps)
    pools = {}
    for user_id, _email in users:
        seed(app, user_id, customers, contacts=2, visits=0)
        pools[user_id] = _records(app, user_id)
    rates = {}
    for workers in worker_counts:
        with gunicorn(url, workers=workers) as base:
            devices = []
            for index, (user_id, email) in enumerate(users):
                for d in range(devices_per_rep):
                    device = Http(base, email)
                    mutations = make_mutations(pushes * per_push, *pools[user_id],
                                               device.client_id,
                                               random.Random(workers * 100 + index * 10 + d))
                    devices.append((device, mutations))
            errors = []

            def work(device, mutations, errors=errors):
                for i in range(0, len(mutations), per_push):
                    status, body, *_ = device.push(mutations[i:i + per_push])
                    if status != 200:
                        errors.append(f"{status}: {body}")
                        return

            threads = [threading.Thread(target=work, args=pair) for pair in devices]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
            if errors:
                raise RuntimeError(errors[0])
            rate = len(devices) * pushes / seconds
            rates[workers] = rate
            results.add(f"concurrency_{backend}_{workers}w", round(rate, 1), "pushes/s",
                        ratio=f"{rate / rates[worker_counts[0]]:.2f} of 1 worker",
                        note=(f"{len(devices)} phones at once, {per_push} mutations per push, "
                              f"{rate * per_push:.0f} mutations/s; 2-core machine"))
    return rates


def growth(results, backend, scales=(1, 4, 16), base_customers=250, push_count=1000):
    """First-sync pull and a 1,000-mutation push at each scale, each on a fresh database."""
    timings = {}
    for scale in scales:
        with fresh_database(backend) as url:
            app = make_app(url)
            (user_id, email), = add_reps(app, 1)
            seed(app, user_id, base_customers * scale, contacts=4, visits=10)
            customers, contacts = _records(app, user_id)
            with gunicorn(url, workers=1) as base:
                device = Http(base, email)
                records, _pages, _wire, pull_seconds, _page = device.pull_all(0, 1000)
                mutations = make_mutations(push_count, customers, contacts, device.client_id,
                                           random.Random(scale))
                started = time.perf_counter()
                for i in range(0, push_count, 200):
                    status, body, *_ = device.push(mutations[i:i + 200])
                    if status != 200:
                        raise RuntimeError(f"push {status}: {body}")
                push_seconds = time.perf_counter() - started
            timings[scale] = (records, pull_seconds, push_seconds)
            first = timings[scales[0]]
            results.add(f"growth_pull_{backend}_{scale}x", round(pull_seconds, 2), "s",
                        ratio=f"{pull_seconds / first[1]:.2f} of 1x for {records / first[0]:.0f}x "
                              "records",
                        note=f"first sync of {records} records "
                             f"({records / pull_seconds:.0f} records/s)")
            results.add(f"growth_push_{backend}_{scale}x", round(push_seconds, 2), "s",
                        ratio=f"{push_seconds / first[2]:.2f} of 1x",
                        note=f"{push_count} mutations in batches of 200 against "
                             f"{records} records ({push_count / push_seconds:.0f}/s)")
    return timings
