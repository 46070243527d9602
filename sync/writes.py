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
    than any other statement; COPY streams them all at once. SQLite: the driver's own
    executemany of a plain INSERT, given the rows' converted values (_RowPlan).
    """
    plan = _insert_plan(table, tuple(rows[0]), conn.dialect) if len(rows) > 1 else None
    if plan is None:
        conn.execute(insert_into(table), rows)
    elif conn.dialect.name == "postgresql":
        _copy_rows(conn, plan, rows)
    else:
        conn.exec_driver_sql(plan.statement, plan.values(rows))


def _copy_rows(conn, plan, rows):
    # The session's own connection, inside its transaction: the rows commit or roll back
    # with the rest of the push.
    with conn.connection.driver_connection.cursor() as cursor, \
            cursor.copy(plan.statement) as copy:
        for values in plan.values(rows):
            copy.write_row(values)


class _RowPlan:
    """A statement the driver runs as it is, and how to turn each row (a dict) into its
    parameters: SQLAlchemy's executemany makes and converts every row's parameters
    through several layers, which cost a push more than SQLite's own executemany did.

    ``sources``: where each parameter's value comes from, in order: a key of the row, or
    a maker of the value (a column's default, a constant of the statement); ``types``:
    each parameter's type, whose bind processor converts its values as SQLAlchemy would.
    Dates and times (every row of a push carries the same) are converted once per
    distinct value."""

    def __init__(self, statement, sources, types, dialect):
        self.statement = statement
        self.entries = [(source, isinstance(source, str), _processor(type_, dialect))
                        for source, type_ in zip(sources, types, strict=True)]

    def values(self, rows):
        entries = [(source, from_row, make()) for source, from_row, make in self.entries]
        return [tuple([value if (value := row[source] if from_row else source()) is None
                       or process is None else process(value)
                       for source, from_row, process in entries])
                for row in rows]


def _processor(type_, dialect):
    """A maker of the type's bind processor for one call of ``values``."""
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return lambda: None
    if not isinstance(getattr(type_, "impl", type_), sa.DateTime):
        return lambda: process

    def remembering():
        seen = {}

        def processed(value):
            # Equal aware datetimes in other time zones are written differently.
            key = (value, value.utcoffset())
            found = seen.get(key)
            if found is None:
                found = seen[key] = process(value)
            return found
        return processed
    return remembering


@built_once
def _insert_plan(table, given, dialect):
    """How to write rows with the keys ``given`` as an INSERT would: the columns given,
    then those with a Python-side default (an INSERT fills them in; COPY leaves only
    server defaults to the database, and a plain statement none). PostgreSQL: a COPY;
    SQLite: an INSERT the driver runs many times. None when a default is an SQL
    expression, which only SQLAlchemy's INSERT can evaluate, or for another driver."""
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
    listed = ", ".join(preparer.quote(name) for name in columns)
    if dialect.name == "postgresql":
        statement = f"COPY {preparer.format_table(table)} ({listed}) FROM STDIN"
    elif _positional(dialect):
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {preparer.format_table(table)} ({listed}) VALUES ({marks})"
    else:
        return None
    return _RowPlan(statement, [*given, *defaults], [table.c[name].type for name in columns],
                    dialect)


def _positional(dialect):
    """Does the driver take ``?`` marks and a tuple per row (SQLite's does)?"""
    return dialect.paramstyle == "qmark"


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
        execute_many(conn, _executemany_update(*statement_key), params)


def execute_many(conn, statement, rows):
    """``conn.execute(statement, rows)`` for a statement built once (sync/statements.py);
    on SQLite, many rows go to the driver's executemany with their values converted
    (_RowPlan)."""
    if not _positional(conn.dialect) or len(rows) < 2:
        conn.execute(statement, rows)
        return
    plan = _compiled_plan(statement, conn.dialect)
    conn.exec_driver_sql(plan.statement, plan.values(rows))


@built_once
def _compiled_plan(statement, dialect):
    """The statement as the dialect's text, its parameters in order: the row's value of
    each named parameter, the statement's own value of the others (a constant)."""
    compiled = statement.compile(dialect=dialect)
    names = compiled.positiontup
    binds = [compiled.binds[name] for name in names]
    sources = [str(name) if bind.required else _constant(bind.effective_value)
               for name, bind in zip(names, binds, strict=True)]
    return _RowPlan(compiled.string, sources, [bind.type for bind in binds], dialect)


def _constant(value):
    return lambda: value


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
