"""``python -m reliability [--quick] [part ...]``: run the proofs, print a summary, write
test-artifacts/reliability.json. Parts: crash nodes load api fuzz access hardening backup
audit phone. Exit status 1 if any part failed."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

from . import api_fuzz, crash, load, nodes, phone
from .env import ROOT, Database, Server, postgres_available

PARTS = ["crash", "nodes", "load", "api", "fuzz", "access", "hardening", "backup", "audit",
         "phone"]


def part_crash(quick, workdir, log):
    kills = 3 if quick else 30
    results = [crash.run("sqlite", workdir, kills=kills, log=log)]
    if postgres_available():
        results.append(crash.run("postgresql", workdir, kills=kills, seed=2, log=log))
    return results


def part_phone(quick, workdir, log):
    """A real phone (Chromium) killed mid-save and mid-sync, its session expired and
    shared by two reps over a long offline stretch, on each database."""
    results = []
    for kind in ["sqlite"] + (["postgresql"] if postgres_available() else []):
        database = (Database.sqlite(tempfile.mkdtemp(dir=workdir)) if kind == "sqlite"
                    else Database.postgresql("phone"))
        try:
            database.prepare(0, seed=False)
            with Server(database, workers=2,
                        log_path=os.path.join(workdir, f"phone-{kind}.log")) as server:
                for seed in (range(1, 2) if quick else range(1, 6)):
                    results.append({"database": kind, "seed": seed, **phone.exercise(
                        database, server, steps=20 if quick else 80, seed=seed, log=log)})
        finally:
            database.drop()
    return results


def part_nodes(quick, workdir, log):
    return nodes.run(workdir, reps=3 if quick else 6, rounds=6 if quick else 40,
                     node_kills=1 if quick else 5, log=log)


def part_load(quick, workdir, log):
    sizes = (10,) if quick else (10, 50, 200)
    if quick:
        load.ROUNDS[10] = 3
    log(load.HEADER)
    return load.run(workdir, sizes=sizes, log=log)


def part_api(quick, workdir, log):
    """schemathesis against a real gunicorn + PostgreSQL (or SQLite), seeded demo data."""
    database = (Database.postgresql("api") if postgres_available()
                else Database.sqlite(tempfile.mkdtemp(dir=workdir)))
    try:
        database.prepare(0, seed=True)
        with Server(database, workers=2, log_path=os.path.join(workdir, "api.log")) as server:
            import requests

            token = requests.post(server.url + "/api/v1/auth/login", json={
                "email": "rep1@demo", "password": "fieldbook-demo"}).json()["access_token"]
            schema = api_fuzz.load(base_url=server.url)
            operations, cases, failures = api_fuzz.run(schema, token,
                                                       max_examples=5 if quick else 50,
                                                       base_url=server.url)
            stateful = api_fuzz.run_stateful(schema, token, max_examples=5 if quick else 30,
                                             base_url=server.url)
        for label, text in failures:
            log(f"  FAIL {label}\n{text}")
        assert not failures, f"{len(failures)} operations failed"
        return {"operations": operations, "cases": cases, "failures": len(failures),
                "stateful": stateful}
    finally:
        database.drop()


def _pytest(*files, quick):
    env = {**os.environ}
    if postgres_available() and "TEST_DATABASE_URL" not in env:
        env["TEST_DATABASE_URL"] = "postgresql+psycopg://postgres@127.0.0.1:5432/rel_pytest"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "rel_pytest"],
                       capture_output=True)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *files], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1800)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
    assert done.returncode == 0, done.stdout[-4000:]
    return {"pytest": summary, "seconds": round(time.monotonic() - started, 1)}


def part_fuzz(quick, workdir, log):
    return _pytest("tests/test_fuzz_sync.py", "tests/test_schemathesis.py", quick=quick)


def part_access(quick, workdir, log):
    return _pytest("tests/test_access_matrix.py", "tests/test_access.py", quick=quick)


def part_hardening(quick, workdir, log):
    return _pytest("tests/test_hardening.py", quick=quick)


def part_backup(quick, workdir, log):
    return _pytest("tests/test_backup.py", quick=quick)


def part_audit(quick, workdir, log):
    """pip-audit of the installed environment (needs the network to reach the advisory
    database; the result is recorded either way)."""
    if quick:
        return {"skipped": "pip-audit runs in the full run"}
    done = subprocess.run([sys.executable, "-m", "pip_audit", "--progress-spinner", "off",
                           "--format", "json", "--skip-editable"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        return {"error": (done.stderr or done.stdout)[-1000:]}
    findings = [{"package": dep["name"], "version": dep["version"],
                 "ids": [v["id"] for v in dep.get("vulns", [])],
                 "fix": sorted({fix for v in dep.get("vulns", [])
                                for fix in v.get("fix_versions", [])})}
                for dep in report.get("dependencies", []) if dep.get("vulns")]
    for finding in findings:
        log(f"  {finding}")
    return {"packages": len(report.get("dependencies", [])), "findings": findings}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reliability")
    parser.add_argument("--quick", action="store_true", help="a short version of each part")
    parser.add_argument("parts", nargs="*", choices=PARTS + [[]], default=[],
                        help="only these parts (default: all)")
    args = parser.parse_args(argv)
    parts = args.parts or PARTS
    workdir = tempfile.mkdtemp(prefix="reliability-")
    results, failed = {}, []
    for name in parts:
        print(f"== {name}{' (quick)' if args.quick else ''}", flush=True)
        started = time.monotonic()
        try:
            results[name] = globals()[f"part_{name}"](args.quick, workdir,
                                                      lambda text: print(text, flush=True))
            print(f"   ok in {time.monotonic() - started:.0f}s: "
                  f"{json.dumps(results[name], ensure_ascii=False)[:2000]}", flush=True)
        except Exception as error:  # noqa: BLE001  (reported, then the next part runs)
            failed.append(name)
            results[name] = {"error": repr(error)[:4000]}
            traceback.print_exc()
            print(f"   FAILED after {time.monotonic() - started:.0f}s", flush=True)
    os.makedirs(os.path.join(ROOT, "test-artifacts"), exist_ok=True)
    out = os.path.join(ROOT, "test-artifacts",
                       "reliability-quick.json" if args.quick else "reliability.json")
    with open(out, "w") as handle:
        json.dump({"quick": args.quick, "results": results, "failed": failed}, handle,
                  indent=1, ensure_ascii=False)
    print(f"results in {out}; workdir {workdir}; failed: {failed or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
