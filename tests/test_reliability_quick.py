"""Quick versions of the long proofs in ``reliability/`` (``make reliability`` runs the
full ones; figures in docs/reliability.md). Real gunicorn processes on free ports, on a
SQLite file and, when TEST_DATABASE_URL is set, a PostgreSQL database of their own."""

import os

import pytest
import redis

from reliability import crash, load, nodes
from reliability.env import Database, Server

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="module", params=BACKENDS)
def deployment(request, tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp(f"reliability-{request.param}"))
    database = (Database.sqlite(workdir) if request.param == "sqlite"
                else Database.postgresql("quick"))
    server = None
    try:
        database.prepare(0, seed=False)
        server = Server(database, workers=1, log_path=os.path.join(workdir, "gunicorn.log"))
        server.start()
        yield database, server, workdir
    finally:
        if server is not None:
            server.stop()
        database.drop()


def test_sigkill_at_random_moments_loses_and_doubles_nothing(deployment):
    database, server, workdir = deployment
    emails = database.add_reps(3, team_name="Crash")
    result = crash.exercise(database, server, emails, workdir, kills=2, seed=7, up=(0.2, 0.8))
    assert result["mutations"] > 0 and result["requests_cut_by_kill"] >= 0


def test_reps_syncing_at_once_no_errors_no_loss(deployment):
    database, server, workdir = deployment
    if database.kind != BACKENDS[-1]:
        pytest.skip("load runs on the production database (PostgreSQL) when there is one")
    emails = database.add_reps(6, team_name="Load")
    result = load.exercise(database, server, emails, workdir, rounds=2)
    assert result["errors"] == 0, result["error_kinds"]
    assert result["lost_mutations"] == 0


def _redis_url():
    try:
        redis.Redis.from_url(nodes.REDIS_URL, socket_connect_timeout=1).ping()
        return nodes.REDIS_URL
    except redis.RedisError:
        return None


def test_two_app_nodes_one_database(deployment):
    database, server, workdir = deployment
    if database.kind != "postgresql":
        pytest.skip("several app nodes share PostgreSQL (SQLite is the one-node default)")
    emails = database.add_reps(3, team_name="Nodes")
    other = Server(database, workers=1, redis_url=_redis_url(),
                   log_path=os.path.join(workdir, "node-b.log")).start()
    try:
        result = nodes.exercise(database, [server, other], emails, workdir, rounds=4,
                                node_kills=1, seed=3)
    finally:
        other.stop()
    assert result["errors_5xx"] == 0

