"""The long proofs of issue 6: crashes, two app nodes, load, bad input, access, backups.

``python -m reliability`` runs everything (long); ``python -m reliability --quick`` a short
version; ``python -m reliability crash nodes`` only some parts. The quick versions of
each part also run inside ``make test`` (tests/test_reliability_quick.py). Figures and
how to read them: docs/reliability.md.

Everything stays on 127.0.0.1: gunicorn on free ports, SQLite files in a temporary
directory, PostgreSQL databases created for the run (``rel_<part>_<pid>``) and dropped
after it, Redis (``REDIS_URL``) only for the two-node part.
"""
