"""Changes that move customers in or out of people's scope, and what phones must hear.

Reassigning a customer, sharing or unsharing it, moving a rep to another team and
changing a team's manager all change who may see some customers. Phones hold copies,
so in the same transaction as the change (docs/sync-protocol.md, L4 and evictions):

- every user who no longer sees a customer gets an ``evict`` for it, and one who still
  sees it but no longer its personal data an ``evict`` of that data alone;
- a customer someone newly sees is re-stamped so its old records reach their phone (its
  personal data alone, for someone who newly sees only that);
- a user whose role goes to or from admin (all customers, or only theirs) has their
  phones start again from 0 (``restart_phones``) instead of an event per customer.
"""

import sqlalchemy as sa

from sync.engine import Rejected

from . import records
from .access import rescope, viewers
from .extensions import db, sync_tables
from .models import Customer, CustomerShare, Lead


def apply(access, customer_ids, change):
    """Run ``change(changes)`` inside one ChangeSet and fix the scope of ``customer_ids``.

    ``change`` does the write (an engine put, or ORM edits to shares, users or teams)
    and must not commit. Returns what ``change`` returns. Commits.
    """
    try:
        with records.changeset(access) as changes:
            # Read "before" under the sync lock, so no concurrent change slips between.
            before = {key: viewers(db.session, key) for key in _live(customer_ids)}
            result = change(changes)
            db.session.flush()
            db.session.expire_all()  # engine writes bypass the ORM's identity map
            for key, seen_before in before.items():
                rescope(changes, key, seen_before, viewers(db.session, key))
    except Rejected as rejected:
        db.session.rollback()
        raise records.as_api_error(rejected) from None
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def restart_phones(changes, user_id):
    """Send every phone of ``user_id`` back to cursor 0 on its next pull (L2): wipe,
    keep the outbox, download what the user sees now. The restart point is a fresh seq,
    above every cursor a phone holds."""
    clients = sync_tables.clients
    db.session.execute(sa.update(clients).where(clients.c.user_id == user_id)
                       .values(restart_below=changes.next_seq()))


def _live(customer_ids):
    """The live customers among ``customer_ids``, and the live leads (their own scope)."""
    if not customer_ids:
        return []
    return [key for model in (Customer, Lead) for key in db.session.scalars(
        sa.select(model.id).where(model.id.in_(list(customer_ids)), model.deleted.is_(False)))]


def seen_through(user_ids):
    """Ids of the live customers ``user_ids`` own or are shared with, and of the live
    leads they own: what their managers see through them (a team move or a new
    manager changes who that is)."""
    user_ids = list(user_ids)
    shared = sa.select(CustomerShare.customer_id).where(CustomerShare.user_id.in_(user_ids))
    leads = sa.select(Lead.id).where(Lead.owner_id.in_(user_ids), Lead.deleted.is_(False))
    return set(db.session.scalars(sa.select(Customer.id).where(
        sa.or_(Customer.owner_id.in_(user_ids), Customer.id.in_(shared)),
        Customer.deleted.is_(False)))) | set(db.session.scalars(leads))
