"""The engine's own bookkeeping tables, defined on the application's MetaData.

They live in the same database (and the same migrations) as the synced records so a
push is one transaction. See docs/sync-protocol.md, "Server state".
"""

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class SyncTables:
    state: sa.Table
    clients: sa.Table
    results: sa.Table
    change_log: sa.Table
    scope_events: sa.Table
    checksums: sa.Table


def define_sync_tables(metadata):
    """Add the engine's tables to ``metadata`` and return them."""
    json = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
    when = sa.DateTime(timezone=True)
    state = sa.Table(
        "sync_state", metadata,
        # One row. Every push locks it first, so sequence numbers are handed out in
        # commit order and a reader's cursor never skips a late commit.
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False, default=0),
        # Tombstones and scope events older than this were pruned: older cursors reset.
        sa.Column("pruned_seq", sa.BigInteger, nullable=False, default=0),
    )
    clients = sa.Table(
        "sync_clients", metadata,
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(36), nullable=False, index=True),
        sa.Column("last_mutation_id", sa.BigInteger, nullable=False, default=0),
        sa.Column("created_at", when, nullable=False),
        sa.Column("last_seen_at", when, nullable=False),
        # The head when this phone's latest download from cursor 0 began: its pages may
        # pass below the pruned seq without being sent back to 0 (L2).
        sa.Column("download_from", sa.BigInteger),
        # Cursors below this start again from 0: everything the user sees changed (L2).
        sa.Column("restart_below", sa.BigInteger, nullable=False, default=0,
                  server_default="0"),
    )
    results = sa.Table(
        "sync_results", metadata,
        # The results of every processed push, so a replay gets the same answers: one
        # row per push, for the client's mutations first_mutation_id..last_mutation_id.
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("last_mutation_id", sa.BigInteger, primary_key=True),
        sa.Column("first_mutation_id", sa.BigInteger, nullable=False),
        sa.Column("results", json, nullable=False),
        sa.Column("processed_at", when, nullable=False),
    )
    change_log = sa.Table(
        "change_log", metadata,
        # The audit trail: who changed what, when, from which device.
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("seq", sa.BigInteger, nullable=False, index=True),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36)),
        sa.Column("op", sa.String(16), nullable=False),
        sa.Column("changes", json, nullable=False),
        sa.Column("user_id", sa.String(36)),
        sa.Column("client_id", sa.String(64)),
        sa.Column("mutation_id", sa.BigInteger),
        sa.Column("at", when, nullable=False),
        # One index answers both "a customer's history" and "a record's history" (with
        # the record's customer, which never changes): every applied mutation adds an
        # entry at a random place of each index. With two, a push of 200 wrote 397 pages
        # to SQLite's log 30,000 mutations in; with one, 341 (docs/benchmarks.md).
        sa.Index("ix_change_log_customer_record", "customer_id", "table_name", "record_id"),
    )
    scope_events = sa.Table(
        "sync_scope_events", metadata,
        # "customer X left user U's scope at seq": the next pull evicts it from U's phones.
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        # Only these tables of it left U's scope (comma-separated; personal data when U
        # keeps the customer but not its owner's rights). NULL: the whole customer.
        sa.Column("tables", sa.String(200)),
        sa.Index("ix_scope_events_user_seq", "user_id", "seq"),
    )
    checksums = sa.Table(
        "sync_checksums", metadata,
        # Additive checksum of (table, id, seq) of the live records, per customer and
        # table, kept up to date on every write so a pull can sum its scope cheaply.
        # customer_id "" holds records that belong to no customer (the stage template).
        sa.Column("customer_id", sa.String(36), primary_key=True),
        sa.Column("table_name", sa.String(40), primary_key=True),
        sa.Column("checksum", sa.BigInteger, nullable=False, default=0),
        sa.Column("count", sa.Integer, nullable=False, default=0),
    )
    return SyncTables(state, clients, results, change_log, scope_events, checksums)
