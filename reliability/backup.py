"""Backup and restore, as docs/backup.md documents them, and the round-trip proof.

SQLite: the online backup API (``sqlite3.Connection.backup``, what the ``sqlite3`` shell's
``.backup`` does): a consistent copy while the app keeps running, WAL included.
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists``.
"""

import os
import sqlite3
import subprocess

import sqlalchemy as sa


def _copy_sqlite(source_path, target_path):
    """Page by page through the online backup API: consistent while others write."""
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    with target:
        source.backup(target)
    target.close()
    source.close()


def backup_sqlite(database_path, backup_path):
    _copy_sqlite(database_path, backup_path)


def restore_sqlite(backup_path, database_path):
    """Into a stopped app: replace the file (and drop the old WAL and shared memory)."""
    for suffix in ("-wal", "-shm"):
        if os.path.exists(database_path + suffix):
            os.remove(database_path + suffix)
    _copy_sqlite(backup_path, database_path)


def _pg_args(url):
    url = sa.make_url(url)
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--dbname", url.database]
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    return args, env


def backup_postgresql(url, backup_path):
    args, env = _pg_args(url)
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", backup_path, *args],
                   check=True, env=env, timeout=600, capture_output=True)


def restore_postgresql(backup_path, url):
    args, env = _pg_args(url)
    subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                    *args, backup_path], check=True, env=env, timeout=600, capture_output=True)


def snapshot(engine):
    """Every row of every table (sorted, as strings): what a round trip must keep."""
    meta = sa.MetaData()
    meta.reflect(engine)
    tables = {}
    with engine.connect() as conn:
        for table in meta.tables.values():
            tables[table.name] = sorted(tuple(map(str, row))
                                        for row in conn.execute(sa.select(table)))
    return tables


def wipe(engine):
    """Lose everything (the disaster being recovered from)."""
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
