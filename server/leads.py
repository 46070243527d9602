"""Leads (线索): the rules a lead's status follows, and what looks like a duplicate.

A lead is new until it is qualified (it became a customer, and maybe a contact and an
opportunity, which it links) or disqualified (with a reason). A phone qualifies a lead
offline by creating the customer, contact and opportunity itself and then putting the
lead with ``status: qualified`` and the links; the REST ``/qualify`` does the same in
one ChangeSet. Either way ``before_write`` checks the links, so the rule is one.
"""

import re
import unicodedata

import sqlalchemy as sa

from sync.engine import Rejected
from sync.pull import scope_clause

from .models import Contact, Customer, Lead, Opportunity

LINKS = {"qualified_customer_id": Customer, "qualified_contact_id": Contact,
         "qualified_opportunity_id": Opportunity}
# Asked of the row before a write (server/sync_registry.py ROW_READS).
READS = frozenset({"owner_id", "status", "disqualify_reason", *LINKS})


def before_write(changes, key, row, values):
    """Refuse a status its fields do not support: a qualified lead stays as it was
    qualified; a disqualified one says why; links belong to a qualified lead and name
    live records of one customer the writer sees."""
    row = row or {}
    if row.get("status") == "qualified":
        moved = sorted(name for name in ("status", *LINKS)
                       if name in values and values[name] != row.get(name))
        if moved:
            raise Rejected("invalid", "A qualified lead keeps its status and links",
                           {name: ["Cannot change once the lead is qualified."]
                            for name in moved})
        return
    lead = {**row, **values}
    status = lead.get("status") or "new"
    if status == "disqualified" and not (lead.get("disqualify_reason") or "").strip():
        raise Rejected("invalid", "A disqualified lead needs a reason",
                       {"disqualify_reason": ["Say why the lead is disqualified."]})
    linked = sorted(name for name in LINKS if lead.get(name))
    if status != "qualified":
        if linked:
            raise Rejected("invalid", "Only a qualified lead links to a customer",
                           {name: ["Set with status 'qualified' only."] for name in linked})
        return
    _check_links(changes, lead)


def _check_links(changes, lead):
    customer_id = lead.get("qualified_customer_id")
    if not customer_id:
        raise Rejected("invalid", "A qualified lead names its customer",
                       {"qualified_customer_id": ["Missing: the customer the lead became."]})
    # Not yours reads as not there: one answer for missing, deleted and out of scope.
    if not (_live(changes, Customer, customer_id, "id")
            and changes.policy.can_read(changes.session, "customers", customer_id)):
        raise _no_such("qualified_customer_id", "customer")
    for name, model, what in (("qualified_contact_id", Contact, "contact"),
                              ("qualified_opportunity_id", Opportunity, "opportunity")):
        if lead.get(name) and not _live(changes, model, lead[name], "customer_id",
                                        customer_id):
            raise _no_such(name, f"{what} of that customer")


def _live(changes, model, key, column, customer_id=None):
    """Is ``key`` a live ``model`` record (of ``customer_id``, when given)? Read through
    the ChangeSet's connection: records made earlier in the same push or request count."""
    table = model.__table__
    row = changes.conn.execute(sa.select(table.c.deleted, table.c[column])
                               .where(table.c.id == key)).first()
    return row is not None and not row.deleted and (customer_id is None
                                                    or row[1] == customer_id)


def _no_such(field, what):
    return Rejected("invalid", f"No such {what}", {field: [f"Not a live {what} you see."]})


# -- duplicates ---------------------------------------------------------------------------

# Legal-form words that say nothing about which company it is, in either language.
_CJK_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司")
_WORD_SUFFIXES = frozenset({"co", "company", "corp", "corporation", "inc", "incorporated",
                            "limited", "llc", "ltd", "gmbh", "plc", "group"})
_CJK = re.compile(r"[\u3400-\u9fff]")


def normal_name(text):
    """A name as compared for duplicates: width and case folded, legal-form words
    dropped, spaces and punctuation gone ("Acme Co., Ltd." and "ACME" are "acme")."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text or "").casefold())
    while len(words) > 1 and words[-1] in _WORD_SUFFIXES:
        words.pop()
    joined = "".join(words).replace("_", "")
    for suffix in _CJK_SUFFIXES:
        if joined.endswith(suffix) and len(joined) > len(suffix) + 1:
            joined = joined[:-len(suffix)]
            break
    return joined


def names_alike(a, b):
    """Equal once normalised, or one contains the other, when the shorter is long
    enough to mean something (2 Chinese characters, 3 letters otherwise)."""
    a, b = normal_name(a), normal_name(b)
    shorter = min(a, b, key=len)
    if len(shorter) < (2 if _CJK.search(shorter) else 3):
        return False
    return a == b or a in b or b in a


def phone_digits(text):
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if ch.isdigit())


def phones_alike(a, b):
    """The same digits, or the same number with a country or trunk prefix on one side
    ("+86 138-0013-8000" and "13800138000"); fewer than 7 digits match nothing."""
    a, b = phone_digits(a), phone_digits(b)
    if min(len(a), len(b)) < 7:
        return False
    return a == b or a.endswith(b) or b.endswith(a)


# What a duplicate check looks through: (table, model, the columns shown, and which
# column is compared with which of the lead's names).
_LOOKALIKE_SOURCES = (
    ("customers", Customer, ("id", "name", "city", "phone"),
     {"name": ("company", "name")}),  # a customer is a company, or a person trading alone
    ("contacts", Contact, ("id", "customer_id", "name", "title", "phone"),
     {"name": ("name",)}),
    ("leads", Lead, ("id", "name", "company", "phone", "status"),
     {"name": ("name",), "company": ("company",)}),
)
DUPLICATES_SHOWN = 10


def duplicates(session, registry, access, exclude=None, **asked):
    """The records this user sees that look like a lead with ``asked``'s ``name``,
    ``company`` and ``phone``: ``{customers, contacts, leads}``, up to
    ``DUPLICATES_SHOWN`` each. Only what the user may read is looked through (the
    sync pull's own scope), so no answer tells of another team's customer."""
    found = {}
    for table_name, model, shown, compared in _LOOKALIKE_SOURCES:
        table = model.__table__
        query = sa.select(*(table.c[column] for column in shown)).where(
            table.c.deleted.is_(False))
        scope = scope_clause(registry, registry[table_name], access, table)
        if scope is not None:
            query = query.where(scope)
        if exclude:
            query = query.where(table.c.id != exclude)
        matches = []
        for row in session.execute(query.order_by(table.c.id)).mappings():
            if _looks_alike(row, compared, asked):
                matches.append(dict(row))
                if len(matches) == DUPLICATES_SHOWN:
                    break
        found[table_name] = matches
    return found


def _looks_alike(row, compared, asked):
    return phones_alike(row["phone"], asked.get("phone")) or any(
        names_alike(row[column], asked.get(name)) for column, names in compared.items()
        for name in names)
