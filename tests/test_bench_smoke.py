"""A tiny run of the benchmark code (bench/), so it cannot rot. Asserts what the figures
say and that every mutation was applied; never a timing (docs/benchmarks.md)."""

from bench import per_request, pull, push
from bench.common import Results, fresh_database


def test_push_and_pull_benchmarks_run_on_a_tiny_data_set():
    results = Results()
    with fresh_database("sqlite") as url:
        push.run(results, url, "sqlite", count=60, batch=20, customers=5)
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
    assert figures["pull_first_sync_sqlite"]["records"] == 5 + 5 + 5
    assert figures["pull_wire_sqlite"]["bytes"] > 0
    # One changed field travels as a small message, whatever the data size: the routine
    # pull without the scope checksum, and the periodic one with it.
    assert 0 < figures["incremental_sqlite_1x"]["value"] < 2048
    assert figures["incremental_sqlite_1x"]["verify"] is False
    assert 0 < figures["incremental_verified_sqlite_1x"]["value"] < 2048
    assert figures["incremental_verified_sqlite_1x"]["verify"] is True


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
