"""Per-database settings applied to the engine when the app starts."""

from sqlalchemy import event

from .extensions import db


def configure(app):
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)


def _configure_sqlite(engine):
    # pysqlite starts transactions lazily and only before writes, so two reads in one
    # request could see different snapshots, and a read that later writes can fail to
    # upgrade its lock. Taking the write lock at BEGIN (IMMEDIATE) gives every request
    # one consistent snapshot and serialises writers cleanly; SQLite is the one-node
    # default, PostgreSQL the database for concurrency.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
