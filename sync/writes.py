"""Record writes held back and sent together: a few statements per push, not one per row.

A push writes hundreds of rows. Sent one statement each, the round trips and the
per-statement work of SQLAlchemy and the database cost more than the writes. The
``ChangeSet`` queues its record writes here and sends them before anything reads the
database (so every read still sees them) and when it finishes.
"""

import sqlalchemy as sa

from .statements import among, built_once, insert_into, json_parameter


class WriteQueue:
    """Inserts and updates by (table, key); a row written twice is sent once, with its
    final values."""

    def __init__(self):
        self._rows = {}  # (table name, key) -> (spec, "insert" | "update", values)

    def __bool__(self):
        return bool(self._rows)

    def clear(self):
        self._rows = {}

    def insert(self, spec, key, values):
        self._rows[spec.name, key] = (spec, "insert", {"id": key, **values})

    def update(self, spec, key, values):
        queued = self._rows.get((spec.name, key))
        if queued is None:
            self._rows[spec.name, key] = (spec, "update", {"_key": key, **values})
        else:
            queued[2].update(values)  # still one row: an insert or update with more values

    def send(self, conn):
        """Inserts first, the customers' before the rest (every other synced record refers
        to its customer), then updates; each row appears once, so nothing else about
        their order matters."""
        rows, self._rows = self._rows, {}
        inserts, updates = {}, {}
        for spec, kind, values in rows.values():
            if kind == "insert":
                shape = (spec.scope_column != "id", spec.name, frozenset(values))
                inserts.setdefault(shape, (spec, []))[1].append(values)
            else:
                updates.setdefault(spec.name, (spec, []))[1].append(values)
        for shape in sorted(inserts, key=lambda shape: shape[:2]):
            spec, group = inserts[shape]
            insert_rows(conn, spec.table, group)
        for name in sorted(updates):
            spec, group = updates[name]
            _send_updates(conn, spec.table, group)


def insert_rows(conn, table, rows):
    """INSERT ``rows`` (dicts with the same keys) into ``table``.

    PostgreSQL: one ``COPY``. The driver sends an executemany INSERT as one statement
    per row (pipelined, but each converted and sent on its own), which cost a push more
    than any other statement; COPY streams them all at once.
    """
    if conn.dialect.name == "postgresql" and len(rows) > 1:
        _copy_rows(conn, table, rows)
    else:
        conn.execute(insert_into(table), rows)


def _copy_rows(conn, table, rows):
    copied = _copy_plan(table, tuple(rows[0]), conn.dialect)
    if copied is None:
        conn.execute(insert_into(table), rows)
        return
    statement, columns, defaults, processors = copied
    # The session's own connection, inside its transaction: the rows commit or roll back
    # with the rest of the push.
    with conn.connection.driver_connection.cursor() as cursor, \
            cursor.copy(statement) as copy:
        for row in rows:
            values = [row[name] for name in columns] + [make() for make in defaults]
            copy.write_row([value if value is None or process is None else process(value)
                            for value, process in zip(values, processors, strict=True)])


@built_once
def _copy_plan(table, given, dialect):
    """What COPY needs to write rows with the keys ``given`` as an INSERT would: the
    statement, the columns, the Python-side defaults of the columns not given (an INSERT
    fills them in; COPY leaves only server defaults to the database) and each column's
    bind processor (JSON to the driver's Jsonb, aware datetimes checked). None when a
    default is an SQL expression, which only an INSERT can evaluate."""
    defaults, filled = [], []
    for column in table.columns:
        default = column.default
        if column.name in given or default is None or default.is_sequence:
            continue
        if default.is_clause_element:
            return None
        filled.append(column.name)
        defaults.append(_default_maker(default))
    columns = (*given, *filled)
    preparer = dialect.identifier_preparer
    statement = (f"COPY {preparer.format_table(table)} "
                 f"({', '.join(preparer.quote(name) for name in columns)}) FROM STDIN")
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in columns]
    return statement, given, defaults, processors


def _default_maker(default):
    if default.is_callable:
        return lambda: default.arg(None)  # SQLAlchemy's wrapper of a no-argument callable
    return lambda: default.arg


def _send_updates(conn, table, rows):
    """All updates of one table in one statement: rows that leave a column alone keep
    its value through ``CASE WHEN <set?> THEN <new> ELSE <column> END``, so rows that
    change different fields still share the statement."""
    always = set(rows[0]).intersection(*rows[1:]) - {"_key"}
    sometimes = set().union(*rows) - always - {"_key"}
    statement_key = (table, tuple(sorted(always)), tuple(sorted(sometimes)))
    always_as = [(name, f"v_{name}") for name in always]
    sometimes_as = [(name, f"v_{name}", f"set_{name}") for name in sometimes]
    params = []
    for row in rows:
        values = {"_key": row["_key"]}
        for name, value_as in always_as:
            values[value_as] = row[name]
        for name, value_as, set_as in sometimes_as:
            values[value_as] = row.get(name)
            values[set_as] = name in row
        params.append(values)
    if conn.dialect.name == "postgresql" and len(rows) > 1:
        conn.execute(_recordset_update(*statement_key),
                     {"rows": params, "_keys": [row["_key"] for row in rows]})
    else:
        conn.execute(_executemany_update(*statement_key), params)


@built_once
def _executemany_update(table, always, sometimes):
    def bound(name):
        return sa.bindparam(f"v_{name}", type_=table.c[name].type)
    return sa.update(table).where(table.c.id == sa.bindparam("_key")).values(
        _set_clause(table, always, sometimes, bound,
                    lambda name: sa.bindparam(f"set_{name}", type_=sa.Boolean)))


@built_once
def _recordset_update(table, always, sometimes):
    """PostgreSQL: the rows travel as one JSON document that ``json_to_recordset`` turns
    back into typed rows, so one UPDATE (one plan, one pass) writes them all. (Arrays
    per column did the same, but the driver escapes every element of a text array in
    Python, which cost more than the update; orjson writes the document in C.)

    The keys also travel as a list the table's rows are picked by: the planner cannot
    know how many rows the document holds, and joined to it alone, it read the whole
    table (a push's customers UPDATE: 0.65 ms of sequential scan over 1,000 customers
    against 0.19 ms through the primary key, and growing with the table)."""
    columns = [sa.column("_key", table.c.id.type)]
    columns += [sa.column(f"v_{name}", table.c[name].type) for name in (*always, *sometimes)]
    columns += [sa.column(f"set_{name}", sa.Boolean()) for name in sometimes]
    rows = recordset_rows(columns)
    return sa.update(table).where(table.c.id == rows.c._key,
                                  among(table.c.id, "_keys", "postgresql")).values(
        _set_clause(table, always, sometimes, lambda name: rows.c[f"v_{name}"],
                    lambda name: rows.c[f"set_{name}"]))


def recordset_rows(columns):
    """PostgreSQL: the rows of the ``rows`` parameter (a JSON array of objects) as a
    derived table ``v`` with these typed columns."""
    return sa.func.json_to_recordset(json_parameter("rows")).table_valued(
        *[sa.column(c.name, c.type) for c in columns]).render_derived(
        name="v", with_types=True)


def _set_clause(table, always, sometimes, new_value, is_set):
    clause = {name: new_value(name) for name in always}
    for name in sometimes:
        clause[name] = sa.case((is_set(name), new_value(name)), else_=table.c[name])
    return clause
