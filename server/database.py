"""Per-database settings applied to the engine when the app starts."""

import orjson
from sqlalchemy import event

from .extensions import db


def engine_options(app):
    """Options for the engine ``db.init_app`` is about to create, by database."""
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # SQLite's JSON columns are text that SQLAlchemy converts with the standard json
        # module: a push converts thousands (field versions, audit entries, results) and
        # orjson does it in a fraction of the time (PostgreSQL: _configure_postgresql).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "json_serializer": _orjson_text, "json_deserializer": orjson.loads}


def configure(app):
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)
        elif engine.dialect.name == "postgresql":
            _configure_postgresql(engine)


def _configure_postgresql(engine):
    # psycopg converts JSON columns with the standard json module. A push converts
    # thousands of values (audit entries, field versions, stored results), and orjson
    # does the same work in a fraction of the time (push -4% in process, measured side
    # by side). Non-string keys (marshmallow numbers the items of a list in its errors)
    # become strings, as with json.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        from psycopg.types.json import set_json_dumps, set_json_loads

        set_json_dumps(_orjson_dumps, dbapi_connection)
        set_json_loads(orjson.loads, dbapi_connection)


def _orjson_dumps(value):
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def _orjson_text(value):
    return _orjson_dumps(value).decode()


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
