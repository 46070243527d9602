"""Customers to and from CSV, and one customer's complete data as JSON.

CSV files are UTF-8 with a byte-order mark so Excel opens Chinese text correctly. The
columns are the customer's plain fields (key-account criteria flattened to ``ka_*``
columns); ``id`` makes a re-import update the customer instead of adding a duplicate.
Imports validate every row with ``CustomerSchema`` and write through the sync engine
(``records.changeset``), so phones receive imported customers like any other edit.
"""

import csv
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from marshmallow import ValidationError

from sync.engine import Rejected, wire

from . import records, schemas
from .access import Access
from .domain import KEY_ACCOUNT_CRITERIA
from .extensions import db, sync_tables
from .models import (
    BACKGROUND_FIELDS,
    OPPORTUNITY_INFO_FIELDS,
    Competitor,
    Contact,
    ContactPersonal,
    Customer,
    Opportunity,
    Task,
    User,
    Visit,
)

ENCODING = "utf-8-sig"  # writes the BOM; reads files with or without one
DEVICE = "csv-import"

PROFILE_FIELDS = ("name", "city", "address", "phone", "email", "website", "industry",
                  "abc_class", "loyalty", "relationship_level", "potential_profit",
                  "payback_period", "is_key_account")
CHOICE_FIELDS = {"abc_class", "loyalty", "relationship_level", "potential_profit",
                 "payback_period"}
CRITERIA_COLUMNS = {f"ka_{name}": name for name in KEY_ACCOUNT_CRITERIA}
COLUMNS = (("id", "owner") + PROFILE_FIELDS + tuple(CRITERIA_COLUMNS) + BACKGROUND_FIELDS
           + OPPORTUNITY_INFO_FIELDS + ("notes",))
# Exported for people to read; ignored on import (the owner comes from --owner).
READ_ONLY_COLUMNS = {"owner", "development_strategy", "seq", "created_at", "updated_at"}

# A cell Excel would run as a formula gets a leading apostrophe on export, removed on
# import; signed numbers and phone numbers ("+86 21 ...") are left alone.
_FORMULA_START = ("=", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-][\d\s().-]*$")


class CsvError(Exception):
    """The file as a whole cannot be imported (encoding, header)."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # [(row number, {field: [messages]})]
    ids: list = field(default_factory=list)  # ids of the customers written, in file order


# -- export ----------------------------------------------------------------------------------

def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(_FORMULA_START) or (text[:1] in "+-" and text
                                           and not _PLAIN_NUMBER.match(text)):
        return "'" + text
    return text


def customer_rows(session, owner_id=None):
    """Yield one dict per live customer, keyed by ``COLUMNS``."""
    query = (sa.select(Customer, User.email).join(User, User.id == Customer.owner_id)
             .where(Customer.deleted.is_(False)).order_by(Customer.created_at, Customer.name))
    if owner_id is not None:
        query = query.where(Customer.owner_id == owner_id)
    for customer, owner_email in session.execute(query):
        row = {"id": customer.id, "owner": owner_email}
        for name in PROFILE_FIELDS + BACKGROUND_FIELDS + OPPORTUNITY_INFO_FIELDS + ("notes",):
            row[name] = getattr(customer, name)
        criteria = customer.key_account_criteria or {}
        for column, name in CRITERIA_COLUMNS.items():
            row[column] = criteria.get(name)
        yield row


def export_customers(path, owner_id=None, session=None):
    """Write customers to ``path``; returns how many."""
    session = session or db.session
    count = 0
    with open(path, "w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in customer_rows(session, owner_id):
            writer.writerow([_cell(row[column]) for column in COLUMNS])
            count += 1
    return count


# -- import ----------------------------------------------------------------------------------

def _uncell(text):
    if text.startswith("'") and (text[1:].startswith(_FORMULA_START) or text[1:2] in ("+", "-")):
        return text[1:]
    return text


def _read(path):
    try:
        with open(path, encoding=ENCODING, newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise CsvError("the file is empty")
            rows = list(reader)
    except UnicodeDecodeError:
        raise CsvError("the file is not UTF-8: in Excel, save as \"CSV UTF-8\"") from None
    header = [name.strip() for name in header]
    known = set(COLUMNS) | READ_ONLY_COLUMNS
    unknown = [name for name in header if name and name not in known]
    if unknown:
        raise CsvError(f"unknown columns: {', '.join(unknown)} (expected some of: "
                       f"{', '.join(COLUMNS)})")
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    if duplicated:
        raise CsvError(f"duplicate columns: {', '.join(duplicated)}")
    if "id" not in header and "name" not in header:
        raise CsvError("the file needs a name column (or an id column to update customers)")
    return header, rows


def _row_fields(header, cells):
    """The customer fields of one CSV row, before validation."""
    fields, criteria, has_criteria, row_id = {}, {}, False, None
    for name, raw in zip(header, cells, strict=False):
        if not name or name in READ_ONLY_COLUMNS:
            continue
        text = _uncell(raw)
        if name == "id":
            row_id = text.strip() or None
        elif name in CRITERIA_COLUMNS:
            has_criteria = True
            if text.strip():
                criteria[CRITERIA_COLUMNS[name]] = text.strip()
        elif name in CHOICE_FIELDS:
            fields[name] = text.strip() or None
        elif name == "is_key_account":
            if text.strip():
                fields[name] = text.strip()
        elif name == "email":
            if text.strip():  # an empty email cannot be validated: leave it as it is
                fields[name] = text.strip()
        else:
            fields[name] = text
    if has_criteria:
        fields["key_account_criteria"] = criteria
    return row_id, fields


def _check_id(row_id):
    try:
        return str(uuid.UUID(row_id))
    except ValueError:
        raise ValidationError({"id": ["Not a valid UUID."]}) from None


def _plan(session, access, header, rows):
    """Validate every row: ``(row number, id, changed fields, created?)`` and errors."""
    schema = schemas.CustomerSchema()
    plan, errors, seen = [], [], {}
    for index, cells in enumerate(rows):
        number = index + 2  # the header is row 1, as in a spreadsheet
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            errors.append((number, {"row": [f"{len(cells)} cells for {len(header)} columns"]}))
            continue
        row_id, fields = _row_fields(header, cells)
        try:
            key = _check_id(row_id) if row_id else None
            if key in seen:
                raise ValidationError({"id": [f"Also on row {seen[key]}."]})
            existing = session.get(Customer, key) if key else None
            clean = schema.load(fields, partial=existing is not None)
        except ValidationError as error:
            errors.append((number, error.messages))
            continue
        if key:
            seen[key] = number
        if existing is None:
            clean.setdefault("owner_id", access.user_id)
            plan.append((number, key or str(uuid.uuid4()), clean, True))
            continue
        if existing.deleted:
            errors.append((number, {"id": ["This customer was deleted."]}))
            continue
        if not access.can_read(session, "customers", existing.id):
            errors.append((number, {"id": ["This customer belongs to someone else."]}))
            continue
        changed = {name: value for name, value in clean.items()
                   if wire(value) != wire(getattr(existing, name))}
        plan.append((number, key, changed, False))
    return plan, errors


def import_customers(path, owner, dry_run=False, session=None):
    """Import a CSV file for ``owner`` (a ``User``); returns an ``ImportReport``.

    Rows are validated first; valid rows are written in one ChangeSet acting as the
    owner (so access rules apply), bad rows are reported and skipped.
    """
    session = session or db.session
    header, rows = _read(path)
    access = Access.for_user(session, owner)
    plan, errors = _plan(session, access, header, rows)
    report = ImportReport(errors=errors)
    if dry_run:
        for _number, key, changed, created in plan:
            _count(report, key, changed, created)
        session.rollback()
        return report
    try:
        with records.changeset(access, device=DEVICE) as changes:
            for number, key, changed, created in plan:
                if changed:
                    try:
                        changes.put("customers", key, changed)
                    except Rejected as rejected:
                        report.errors.append((number, rejected.errors or
                                              {"row": [rejected.message]}))
                        continue
                _count(report, key, changed, created)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    report.errors.sort(key=lambda item: item[0])
    return report


def _count(report, key, changed, created):
    report.ids.append(key)
    if created:
        report.created += 1
    elif changed:
        report.updated += 1
    else:
        report.unchanged += 1


# -- one customer's data ---------------------------------------------------------------------

CUSTOMER_PARTS = [
    # (file, model, schema)
    ("competitors", Competitor, schemas.CompetitorSchema),
    ("contacts", Contact, schemas.ContactSchema),
    ("contact_personal", ContactPersonal, schemas.ContactPersonalSchema),
    ("opportunities", Opportunity, schemas.OpportunitySchema),
    ("visits", Visit, schemas.VisitSchema),
    ("tasks", Task, schemas.TaskSchema),
]


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)  # exact, for an archive
    return wire(value)


def _write_json(directory, name, data):
    with open(os.path.join(directory, f"{name}.json"), "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2, default=_json_default)
        handle.write("\n")
    return f"{name}.json"


def export_customer_data(customer_id, directory, session=None):
    """Write everything about one customer as JSON files; returns the file names.

    Profile, competitors, contacts, contacts' personal data, opportunities, visits,
    tasks, and the audit history, for a handover when a rep leaves. Personal data is
    included: keep the directory as safe as the database.
    """
    session = session or db.session
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted:
        raise LookupError(f"no customer with id {customer_id}")
    os.makedirs(directory, exist_ok=True)
    owner = session.get(User, customer.owner_id)
    written = []
    profile = schemas.CustomerSchema().dump(customer)
    profile["owner"] = {"id": owner.id, "email": owner.email, "name": owner.name}
    written.append(_write_json(directory, "customer", profile))
    counts = {"customer": 1}
    for name, model, schema_class in CUSTOMER_PARTS:
        items = session.scalars(sa.select(model).where(
            model.customer_id == customer_id, model.deleted.is_(False))
            .order_by(model.created_at, model.id)).all()
        dumped = schema_class(many=True).dump(items)
        written.append(_write_json(directory, name, dumped))
        counts[name] = len(items)
    log = sync_tables.change_log
    history = [
        {"seq": row.seq, "at": row.at, "table": row.table_name, "record_id": row.record_id,
         "op": row.op, "changes": row.changes, "user_id": row.user_id,
         "client_id": row.client_id}
        for row in session.execute(sa.select(log).where(log.c.customer_id == customer_id)
                                   .order_by(log.c.seq))]
    written.append(_write_json(directory, "history", history))
    counts["history"] = len(history)
    manifest = {"customer_id": customer_id, "name": customer.name,
                "exported_at": datetime.now(UTC), "counts": counts, "files": written}
    written.append(_write_json(directory, "manifest", manifest))
    return written
