"""Who may see and change what. Every rule of docs/access.md lives here.

- admin: everything.
- manager: the customers owned by the reps of the teams they manage (and their own),
  personal data included; and, as their reps do, those shared with them or their reps
  (a share grants what a share grants: records, not personal data or ownership).
- rep: the customers they own and those shared with them; personal data of contacts
  only at customers they own.

Owner-level rights (``manages``: the owner, the owner's manager, an admin) reassign,
delete and share a customer and read its personal data and its history; a deal is
reassigned by its owner's manager or an admin.

A lead (``leads``) belongs to no customer yet: it is its own scope key, as a customer
is, seen by the people who would manage it as a customer (its owner, the owner's
manager, admins), never through a share.

The sync engine asks an ``Access`` for a SQL filter per table (pull) and for a verdict
per write (push); the REST API asks the same object, so both paths follow one rule.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from sync.engine import Rejected
from sync.statements import among, kept

from .models import Customer, CustomerShare, Lead, Team, User

PERSONAL_TABLES = frozenset({"contact_personal"})
LEAD_TABLES = frozenset({"leads"})  # scoped by their own owner_id, not by a customer's
OWNED_TABLES = {"customers": "customer", "opportunities": "deal", "leads": "lead"}
# row_filter's lookups of a record's customer (and share), aliased so that they never
# clash with the statement's own tables; made once (a new alias builds its column
# collection: ~0.1 ms a time).
_SCOPE_CUSTOMER = Customer.__table__.alias("scope_customer")
_SCOPE_SHARE = CustomerShare.__table__.alias("scope_share")
_CUSTOMER_ID = Customer.__table__.c.id
_SCOPE_LEAD = Lead.__table__.alias("scope_lead")
_LEAD_ID = Lead.__table__.c.id
# A template's user and teams (sql_template): a statement run without them fails.
_USER_PARAM = sa.bindparam("scope_user_id", required=True)
_TEAMS_PARAM = sa.bindparam("scope_team_ids", expanding=True, required=True)


@dataclass(frozen=True)
class Access:
    user_id: str
    role: str
    team_id: str | None
    managed_team_ids: tuple[str, ...] = ()
    # The filters name the user and teams by bind parameters instead (sql_template).
    template: bool = False
    # can_read answers for this request; a push asks about the same customers often.
    _readable: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def for_user(cls, session, user):
        # Only a manager's teams widen what they see (every use asks for the role first):
        # no query for the reps, who make most requests.
        managed = () if user.role != "manager" else tuple(
            session.scalars(sa.select(Team.id).where(Team.manager_id == user.id)))
        return cls(user.id, user.role, user.team_id, managed)

    @property
    def is_admin(self):
        return self.role == "admin"

    def sql_template(self):
        """``(kind, template, params)``: ``template`` writes this user's filters with
        bind parameters where their id and teams go, so a statement built from it serves
        every user of the same ``kind``, run with that user's ``params`` (the sync pull
        builds its statements once per kind). Run without them, it fails: it never
        falls back to another user's values."""
        kind = (self.role, bool(self.managed_team_ids))
        params = {"scope_user_id": self.user_id}
        if self.managed_team_ids:
            params["scope_team_ids"] = list(self.managed_team_ids)
        return kind, Access("", self.role, None, self.managed_team_ids, template=True), params

    def _me(self):
        return _USER_PARAM if self.template else self.user_id

    def _me_or_my_reps(self, user_id):
        """A clause: ``user_id`` (a column) is this user or, for a manager, a member of
        a team they manage."""
        if self.role == "manager" and self.managed_team_ids:
            teams = _TEAMS_PARAM if self.template else self.managed_team_ids
            team_members = sa.select(User.id).where(User.team_id.in_(teams))
            return sa.or_(user_id == self._me(), user_id.in_(team_members))
        return user_id == self._me()

    def _owners(self, owner_id=None):
        """Users whose customers this user sees as owner or manager (a clause on
        ``owner_id``, by default the customers table's)."""
        return self._me_or_my_reps(Customer.owner_id if owner_id is None else owner_id)

    def customer_ids(self, personal=False):
        """A subquery of the customer ids in scope (None for admins: everything)."""
        if self.is_admin:
            return None
        owned = sa.select(Customer.id).where(self._owners())
        if personal:
            return owned
        shared = sa.select(CustomerShare.customer_id).where(
            self._me_or_my_reps(CustomerShare.user_id))
        return sa.union(owned, shared).subquery().select()

    def lead_ids(self):
        """A subquery of the lead ids in scope (None for admins): leads this user or,
        for a manager, their teams' members own."""
        if self.is_admin:
            return None
        return sa.select(Lead.id).where(self._me_or_my_reps(Lead.owner_id))

    def scope_key(self, table_name):
        """Tables with the same key have the same read_filter (the sync engine groups
        its checksum sums by it)."""
        if table_name in LEAD_TABLES:
            return "leads"
        return "personal" if table_name in PERSONAL_TABLES else "customers"

    def read_filter(self, table_name, column):
        """SQL clause limiting ``column`` (a customer id column; a lead id column for
        ``leads``) to this user's scope."""
        if table_name in LEAD_TABLES:
            ids = self.lead_ids()
        else:
            ids = self.customer_ids(personal=table_name in PERSONAL_TABLES)
        return None if ids is None else column.in_(ids)

    def row_filter(self, table_name, column):
        """The same rule as ``read_filter``, checked row by row: EXISTS lookups of each
        row's customer (and share) by primary key. For statements that read few rows
        (an incremental pull), where ``read_filter``'s list of every customer in scope
        would cost O(customers in scope) each time."""
        if self.is_admin:
            return None
        if table_name in LEAD_TABLES:
            return self._lead_row_filter(column)
        if column is _CUSTOMER_ID:
            # The customers table itself: its row names the owner. (Looked up as another
            # row, PostgreSQL hashes every customer the user owns: O(scope) again.)
            owned = self._owners(Customer.__table__.c.owner_id)
        else:
            scope = _SCOPE_CUSTOMER
            owned = sa.exists().where(scope.c.id == column, self._owners(scope.c.owner_id))
        if table_name in PERSONAL_TABLES:
            return owned
        share = _SCOPE_SHARE
        return sa.or_(owned, sa.exists().where(share.c.customer_id == column,
                                               self._me_or_my_reps(share.c.user_id)))

    def _lead_row_filter(self, column):
        if column is _LEAD_ID:  # the leads table itself: its row names the owner
            return self._owners(Lead.__table__.c.owner_id)
        lead = _SCOPE_LEAD
        return sa.exists().where(lead.c.id == column, self._owners(lead.c.owner_id))

    def can_read(self, session, table_name, customer_id):
        if customer_id is None or self.is_admin:
            return True
        if table_name in LEAD_TABLES:
            return self._can_read_lead(session, customer_id)
        personal = table_name in PERSONAL_TABLES
        if (personal, customer_id) not in self._readable:
            ids = self.customer_ids(personal=personal)
            self._readable[personal, customer_id] = session.scalar(
                sa.select(sa.literal(True)).where(sa.literal(customer_id).in_(ids))) is True
        return self._readable[personal, customer_id]

    def _can_read_lead(self, session, lead_id):
        if ("leads", lead_id) not in self._readable:
            self._readable["leads", lead_id] = session.scalar(
                sa.select(sa.literal(True)).where(sa.literal(lead_id).in_(self.lead_ids()))
            ) is True
        return self._readable["leads", lead_id]

    def prefetch_readable(self, session, table_name, customer_ids):
        """Answer ``can_read`` for many customers in one query per 500 (a push asks about
        each record's customer; the engine calls this once per batch)."""
        if self.is_admin or table_name in LEAD_TABLES:
            return  # a lead's verdict is one lookup by key, asked as it comes
        personal = table_name in PERSONAL_TABLES
        todo = sorted({c for c in customer_ids if (personal, c) not in self._readable})
        if not todo:
            return
        kind, template, params = self.sql_template()
        dialect_name = session.get_bind().dialect.name
        statement = kept(("readable among", kind, personal, dialect_name),
                         lambda: _readable_among(template, table_name, dialect_name))
        for start in range(0, len(todo), 500):
            chunk = todo[start:start + 500]
            found = set(session.scalars(statement, {**params, "customer_ids": chunk}))
            for customer_id in chunk:
                self._readable[personal, customer_id] = customer_id in found

    def forget_scope(self):
        """Drop cached answers after a change of who sees what."""
        self._readable.clear()

    def manages(self, session, customer_id):
        """Owner-level rights over a customer: its owner, the owner's manager, an admin
        (the people who may read its personal data). A share never grants them."""
        return self.can_read(session, "contact_personal", customer_id)

    def managed_filter(self, column):
        """SQL clause: ``column`` names a customer this user ``manages`` (None: all)."""
        return self.read_filter("contact_personal", column)

    def check_write(self, session, table_name, customer_id, before, values, op):
        """Raise Rejected unless this user may make this change (engine callback).

        The engine asks ``can_read`` first, so a record out of scope is refused as
        missing before anything here runs."""
        if table_name == "stages":
            if not self.is_admin:
                raise Rejected("forbidden", "Only admins edit the stage template")
            return
        if table_name in ("customers", *LEAD_TABLES) and op == "create":
            self._check_owner(session, table_name, values.get("owner_id", self.user_id), None)
            # An earlier mutation may have asked about this id before it existed.
            for cached in (False, True, "leads"):
                self._readable.pop((cached, customer_id), None)
            return
        if table_name == "conflicts" and before is not None \
                and before.get("table_name") in LEAD_TABLES:
            table_name = before["table_name"]  # a conflict about a lead is the lead's
        if not self.can_read(session, table_name, customer_id):
            raise Rejected.missing()
        if table_name in OWNED_TABLES and "owner_id" in values:
            self._check_owner(session, table_name, values["owner_id"], before, customer_id)
        if table_name == "customers" and op == "delete" \
                and not self.manages(session, customer_id):
            raise Rejected("forbidden", "Only the owner, their manager or an admin deletes "
                                        "a customer")

    def _check_owner(self, session, table_name, owner_id, before, customer_id=None):
        """Who may make a customer or a deal someone's: the owner is whose accounts,
        pipeline and forecast it counts in. A rep makes them for themselves and never
        hands them on; a manager gives them to themselves or their teams' members, and
        takes back only what is theirs to give: a customer they manage, a deal of their
        own or their reps'; an admin gives them to any active user."""
        if before is not None and owner_id == before["owner_id"]:
            return
        what = OWNED_TABLES[table_name]
        if self.role == "rep":
            if before is None and owner_id == self.user_id:
                return
            raise Rejected("forbidden", f"A rep makes {what}s for themselves; only a manager "
                                        f"or an admin reassigns a {what}")
        if before is not None and not self._may_reassign(session, table_name, before,
                                                         customer_id):
            raise Rejected("forbidden", f"Only the {what}'s owner's manager or an admin "
                                        f"reassigns a {what}")
        owner = session.get(User, owner_id) if isinstance(owner_id, str) else None
        if owner is None or not owner.active:
            raise Rejected("invalid", "No such user",
                           {"owner_id": ["No active user with this id."]})
        if self.role == "manager" and owner.id != self.user_id \
                and owner.team_id not in self.managed_team_ids:
            raise Rejected("forbidden", f"A manager gives a {what} only to their teams' members")
        if table_name == "opportunities" and customer_id is not None \
                and not Access.for_user(session, owner).can_read(session, table_name, customer_id):
            # Its pipeline would hold a deal its owner cannot open.
            raise Rejected("invalid", "The new owner does not see this account: share it first",
                           {"owner_id": ["Not someone who sees this account."]})

    def _may_reassign(self, session, table_name, before, customer_id):
        if self.is_admin:
            return True
        if table_name == "customers":
            return self.manages(session, customer_id)
        owner = session.get(User, before["owner_id"])
        return owner is not None and (owner.id == self.user_id
                                      or owner.team_id in self.managed_team_ids)


def _readable_among(template, table_name, dialect_name):
    """Which of the ``customer_ids`` parameter's customers ``template``'s user reads
    (the rule row by row, ``row_filter``, for just these ids). Built once per kind of
    user."""
    return sa.select(_CUSTOMER_ID).where(among(_CUSTOMER_ID, "customer_ids", dialect_name),
                                         template.row_filter(table_name, _CUSTOMER_ID))


def visible_users(session, customer_id, owner_id=None):
    """Non-admin users who see ``customer_id`` (for eviction events): its owner, those
    it is shared with, and their managers. ``owner_id`` overrides the stored owner, to
    ask who saw it before a reassignment."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return _lead_viewers(session, customer_id, owner_id)
    users = {owner_id or customer.owner_id}
    users.update(session.scalars(
        sa.select(CustomerShare.user_id).where(CustomerShare.customer_id == customer_id)))
    return users | _managers_of(session, users)


def _managers_of(session, user_ids):
    """The managers of the teams of ``user_ids``."""
    return set(session.scalars(sa.select(Team.manager_id).join(User, User.team_id == Team.id)
                               .where(User.id.in_(sorted(user_ids)),
                                      Team.manager_id.is_not(None))))


def _lead_viewers(session, lead_id, owner_id=None):
    """Non-admin users who see a lead (``lead_id`` names no customer): its owner and
    the owner's managers; none if it names no lead either."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        return set()
    owner = owner_id or lead.owner_id
    return {owner} | _managers_of(session, {owner})


# The server acting for itself (retention, maintenance): audited as "system".
SYSTEM = Access("system", "admin", None)


def personal_viewers(session, customer_id, owner_id=None):
    """Non-admin users who see ``customer_id``'s personal data (``PERSONAL_TABLES``):
    its owner and the owner's managers, never those it is shared with nor their
    managers (``customer_ids(personal=True)``). ``owner_id`` as for ``visible_users``."""
    customer = session.get(Customer, customer_id)
    if customer is None:  # a lead has no personal data: its viewers see all of it
        return _lead_viewers(session, customer_id, owner_id)
    owner = owner_id or customer.owner_id
    return {owner} | _managers_of(session, {owner})


def viewers(session, customer_id, owner_id=None):
    """``(who sees the customer, who sees its personal data)``, non-admins: what
    ``rescope`` compares, asked before a change of scope and after it."""
    return (visible_users(session, customer_id, owner_id),
            personal_viewers(session, customer_id, owner_id))


def rescope(changes, customer_id, before, after):
    """Phones hear that who sees ``customer_id`` changed from ``before`` to ``after``
    (each from ``viewers``): who lost the customer evicts it, who keeps it but lost its
    personal data evicts only that, and what someone gained is re-stamped for them."""
    changes.rescope(customer_id, before[0], after[0],
                    narrower=[(PERSONAL_TABLES, before[1], after[1])])
