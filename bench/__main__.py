"""``python -m bench`` runs every figure; ``--quick`` a small smoke run; ``--only``
picks sections (``--only lighthouse``: just the app's Lighthouse figures, about 40 s,
not part of a full run: ``app`` includes them). Prints one line per figure and
writes bench/results.json."""

import argparse
import json
import platform
import sys
import time
import traceback
from pathlib import Path

from . import app as app_bench
from . import load, per_request, pull, push
from .common import PG_URL, Results, fresh_database, postgres_available

SECTIONS = ["push", "pull", "requests", "concurrency", "growth", "app"]
EXTRA = ["lighthouse"]  # only when asked for: "app" runs it too


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--only", action="append", choices=SECTIONS + EXTRA)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--output", default=str(Path(__file__).with_name("results.json")))
    args = parser.parse_args(argv)
    sections = args.only or SECTIONS
    quick = args.quick
    backends = ["sqlite"]
    if not args.no_postgres and postgres_available():
        backends.append("postgresql")
    else:
        print(f"# PostgreSQL not reachable at {PG_URL}: SQLite figures only", flush=True)
    results = Results()
    started = time.time()

    def section(name, fn):
        if name not in sections:
            return
        try:
            fn()
        except Exception as error:  # noqa: BLE001 - one broken section must not hide the rest
            traceback.print_exc()
            results.error(name, f"{type(error).__name__}: {error}"[:300])

    def run_push():
        for backend in backends:
            with fresh_database(backend) as url:
                push.run(results, url, backend, count=1000 if quick else 10_000,
                         customers=100 if quick else 1000)

    def run_pull():
        for backend in backends:
            with fresh_database(backend) as url:
                if quick:
                    pull.run_first_sync(results, url, backend, customers=50, contacts=2,
                                        visits=2, incremental_scales=(1, 2))
                else:
                    pull.run_first_sync(results, url, backend)

    def run_requests():
        for backend in backends:
            with fresh_database(backend) as url:
                per_request.run(results, url, backend, repeats=10 if quick else 200,
                                customers=20 if quick else 1000)

    def run_concurrency():
        backend = "postgresql" if "postgresql" in backends else "sqlite"
        with fresh_database(backend) as url:
            if quick:
                load.concurrency(results, url, backend, worker_counts=(1, 2), reps=1,
                                 pushes=2, per_push=5, customers=20)
            else:
                load.concurrency(results, url, backend)

    def run_growth():
        backend = "postgresql" if "postgresql" in backends else "sqlite"
        if quick:
            load.growth(results, backend, scales=(1, 2), base_customers=20, push_count=200)
        else:
            load.growth(results, backend)

    def run_app():
        with fresh_database("sqlite") as url:
            app_bench.run(results, url, customers=200 if quick else 5000)

    section("push", run_push)
    section("pull", run_pull)
    section("requests", run_requests)
    section("concurrency", run_concurrency)
    section("growth", run_growth)
    section("app", run_app)
    if "lighthouse" in sections and "app" not in sections:
        def run_lighthouse():
            with fresh_database("sqlite") as url:
                app_bench.run_lighthouse(results, url)

        section("lighthouse", run_lighthouse)
    report = {"command": "python -m bench" + (" --quick" if quick else ""),
              "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
              "seconds": round(time.time() - started, 1), "python": platform.python_version(),
              "backends": backends, "figures": results.figures}
    Path(args.output).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"# {len(results.figures)} figures in {report['seconds']} s -> {args.output}")
    return 1 if any(f.get("error") for f in results.figures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
