"""What SQLite and PostgreSQL can store, as one rule for every input (docs/api.md).

Input that passes the schemas but not the database used to fail at the insert, a 500,
and on a push a 500 for every later push too, the mutation staying first in the
outbox. So these are refused before any write, with a field error:

- text with a NUL character (PostgreSQL's text cannot hold one) or with an unpaired
  UTF-16 surrogate (half of an emoji, as ``JSON.stringify`` writes a note cut in the
  middle of one: no UTF-8 encodes it, so neither database can store it). Refused, not
  repaired to U+FFFD: a rep's note is not silently changed, and a phone sets a refused
  mutation aside, where the rep sees it and can fix it;
- dates and times outside the years 1900 to 2199, in UTC too (0001-01-01T00:00+08:00
  is in year 0 in UTC). No customer record is dated outside them, and inside them the
  figures' date arithmetic (a period end plus a day, as_of plus a year of bid days or
  minus ten years of stall days) stays far from Python's limits (years 1 to 9999);
- integers wider than 64 bits (PostgreSQL's bigint).

``problem`` walks a value without recursion, so a value nested thousands deep is
checked like any other.
"""

from datetime import UTC, date, datetime

from sync.statements import bindable_text

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)

TEXT_PROBLEM = ("Cannot be stored: contains a NUL character or an unpaired UTF-16 surrogate "
                "(half of an emoji).")
DATE_PROBLEM = f"A date from {FIRST_DAY} to {LAST_DAY} (in UTC)."
NUMBER_PROBLEM = "A number too large to store."

_INT64 = range(-(2**63), 2**63)



def storable_day(value):
    """True for a date, or a datetime whose day in UTC, in 1900..2199."""
    if isinstance(value, datetime):
        try:
            value = value.astimezone(UTC) if value.tzinfo is not None else value
        except OverflowError:  # e.g. 0001-01-01T00:00+08:00: year 0 in UTC
            return False
        value = value.date()
    return FIRST_DAY <= value <= LAST_DAY


def problem(value, text=True, dates_and_numbers=True):
    """Why ``value`` (text, a date, a number, or lists and dicts of them, keys too)
    cannot be stored, or None when it can; looking at its texts, its dates and numbers,
    or both."""
    if type(value) is str:  # most values: no walk
        return None if not text or bindable_text(value) else TEXT_PROBLEM
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if text and not bindable_text(item):
                return TEXT_PROBLEM
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
        elif not dates_and_numbers:
            continue
        elif isinstance(item, date):
            if not storable_day(item):
                return DATE_PROBLEM
        elif type(item) is int and item not in _INT64:
            return NUMBER_PROBLEM
    return None


def problems(values, text=True, dates_and_numbers=True):
    """``{name: [why]}`` for each entry of the dict ``values`` that cannot be stored (a
    name that cannot be stored is refused under ``_schema``, as it cannot be shown)."""
    errors = {}
    for name, value in values.items():
        if text and isinstance(name, str) and not bindable_text(name):
            errors["_schema"] = [TEXT_PROBLEM]
            continue
        why = problem(value, text, dates_and_numbers)
        if why is not None:
            errors[name] = [why]
    return errors
