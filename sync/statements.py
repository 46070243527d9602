"""SQL statements built once and reused: values travel as parameters.

Building a statement and its cache key costs SQLAlchemy more than running a small one,
and a push runs a dozen of them, so the engine builds each shape once per table.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

_BUILT = {}


def kept(key, build):
    """What ``build()`` returns for ``key`` (hashable: tables, plain values), built on
    the first call only."""
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = build()
    return found


def built_once(build):
    """Decorate a builder taking tables and plain values: ``build(*args)`` runs once per
    distinct ``args`` and its statement is handed out from then on."""
    def statement(*args):
        return kept((build, *args), lambda: build(*args))
    statement.__doc__ = build.__doc__
    return statement


@built_once
def insert_into(table):
    """``INSERT INTO table``: the columns are those of the parameters given."""
    return sa.insert(table)


@built_once
def update_by(table, key_column):
    """``UPDATE table SET <the parameters' other columns> WHERE key_column = :_key``."""
    return sa.update(table).where(table.c[key_column] == sa.bindparam("_key"))


@built_once
def select_by(table, key_column):
    """``SELECT * FROM table WHERE key_column = :_key``."""
    return sa.select(table).where(table.c[key_column] == sa.bindparam("_key"))


def among(column, name, dialect_name):
    """``column`` is one of the list parameter ``name``. PostgreSQL: ``= ANY(:array)``,
    one statement text whatever the list's length, so the driver converts and prepares
    it once (an expanded ``IN`` is a new statement for every length)."""
    if dialect_name == "postgresql":
        return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(sa.bindparam(name, expanding=True))
