"""A tiny run of the benchmark code (bench/), so it cannot rot. Asserts what the figures
say and that every mutation was applied; never a timing (docs/benchmarks.md)."""

import sqlalchemy as sa

from bench import per_request, pull, push
from bench.common import Results, fresh_database


def test_push_and_pull_benchmarks_run_on_a_tiny_data_set():
    results = Results()
    with fresh_database("sqlite") as url:
        push.run(results, url, "sqlite", count=60, batch=20, customers=5)
        written = _bookkeeping_written(url)
    with fresh_database("sqlite") as url:
        pull.run_first_sync(results, url, "sqlite", customers=5, contacts=1, visits=1,
                            incremental_scales=(1,))
    figures = results.figures
    # Every round is a new device editing from the versions as they are then: no
    # round's edits conflict with the round before.
    assert figures["push_sqlite"]["statuses"] == {"applied": 60 * push.ROUNDS}
    assert len(figures["push_sqlite"]["rounds"]) == push.ROUNDS
    assert figures["push_sqlite"]["unit"] == "mutations/s"
    assert figures["push_sqlite"]["value"] > 0 and figures["push_sqlite"]["raw_rate"] > 0
    assert figures["push_sqlite"]["records_only"]["raw_rate"] > 0
    # Raw writes the rows the engine keeps beside the records, as many as it does.
    assert written["engine"] == written["raw"] == {"audit": 60 * push.ROUNDS,
                                                   "results": 3 * push.ROUNDS}
    assert "of the records alone" in figures["push_sqlite"]["note"]
    assert figures["pull_first_sync_sqlite"]["records"] == 5 + 5 + 5
    assert figures["pull_wire_sqlite"]["bytes"] > 0
    # One changed field travels as a small message, whatever the data size: the routine
    # pull without the scope checksum, and the periodic one with it.
    assert 0 < figures["incremental_sqlite_1x"]["value"] < 2048
    assert figures["incremental_sqlite_1x"]["verify"] is False
    assert 0 < figures["incremental_verified_sqlite_1x"]["value"] < 2048
    assert figures["incremental_verified_sqlite_1x"]["verify"] is True


def _bookkeeping_written(url):
    """Audit entries and stored-results rows, the engine's devices' and raw's."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        audit = dict(conn.execute(sa.text(
            "SELECT client_id LIKE 'raw-%', count(*) FROM change_log "
            "WHERE client_id IS NOT NULL GROUP BY 1")).all())
        stored = dict(conn.execute(sa.text(
            "SELECT client_id LIKE 'raw-%', count(*) FROM sync_results GROUP BY 1")).all())
    engine.dispose()
    return {side: {"audit": audit.get(is_raw), "results": stored.get(is_raw)}
            for side, is_raw in (("engine", 0), ("raw", 1))}


def test_per_request_costs_run_on_a_tiny_data_set():
    results = Results()
    with fresh_database("sqlite") as url:
        per_request.run(results, url, "sqlite", repeats=3, customers=3)
    for name in ("request_pull_nothing_new_sqlite", "request_push_one_sqlite"):
        figure = results.figures[name]
        assert figure["unit"] == "ms" and figure["value"] > 0 and figure["healthz_ms"] > 0


def test_result_lines_follow_the_documented_shape(capsys):
    results = Results()
    results.add("push_sqlite", 8100, "mutations/s", ratio="0.62 of raw")
    assert capsys.readouterr().out == "push_sqlite: 8100 mutations/s (ratio 0.62 of raw)\n"
