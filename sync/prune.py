"""Retention: forget tombstones, stored results and evictions older than a cut-off.

Phones whose cursor is older than what was pruned get ``reset`` on their next pull
(docs/sync-protocol.md, L2) and download again, keeping their outbox.
"""

from datetime import datetime

import sqlalchemy as sa

from .engine import ChangeSet


def prune(session, registry, policy, older_than: datetime):
    """Delete what phones no longer need from before ``older_than``; returns counts.

    The caller commits.
    """
    sync = registry.sync
    with ChangeSet(session, registry, policy, client_id="prune") as changes:
        conn = changes.conn
        cutoff = conn.scalar(sa.select(sa.func.max(sync.change_log.c.seq))
                             .where(sync.change_log.c.at < older_than)) or 0
        counts = {}
        # Children first: a customer's tombstone goes only once nothing refers to it.
        for spec in sorted(registry.specs.values(), key=lambda s: s.scope_column == "id"):
            table = spec.table
            where = sa.and_(table.c.deleted.is_(True), table.c.seq <= cutoff)
            if spec.scope_column == "id":
                for other in registry.specs.values():
                    if other.scope_column == "customer_id":
                        where = sa.and_(where, ~sa.exists().where(
                            other.table.c.customer_id == table.c.id))
            counts[spec.name] = conn.execute(sa.delete(table).where(where)).rowcount
        counts["scope_events"] = conn.execute(sa.delete(sync.scope_events).where(
            sync.scope_events.c.seq <= cutoff)).rowcount
        counts["stored_results"] = conn.execute(sa.delete(sync.results).where(
            sync.results.c.processed_at < older_than)).rowcount
        conn.execute(sa.update(sync.state).where(sync.state.c.id == 1).values(
            pruned_seq=sa.func.max(sync.state.c.pruned_seq, cutoff)
            if conn.dialect.name == "sqlite" else sa.func.greatest(sync.state.c.pruned_seq,
                                                                   cutoff)))
    counts["pruned_seq"] = cutoff
    return counts
