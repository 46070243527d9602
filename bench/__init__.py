"""Fieldbook benchmarks (issue 7): ``python -m bench`` prints one line per figure and
writes bench/results.json. See docs/benchmarks.md for what each figure means."""
