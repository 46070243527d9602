"""Hybrid logical clocks: timestamps that order edits made on different devices.

An HLC string is ``"<ms>-<counter>-<node>"`` and nothing else (``GRAMMAR``):

- ``ms``: exactly 13 ASCII digits, wall-clock milliseconds (0..9999999999999);
- ``counter``: exactly 5 ASCII digits (0..99999), breaking ties within one millisecond;
- ``node``: the device that made it, 1 to 64 ASCII letters, digits, ``-`` or ``_`` (the
  server's ``client_id`` rule, which the PWA's hex ids, the reference client's
  ``py-<hex>``, the PWA's ``local`` fallback and the server's own ``server`` all meet).

Fixed widths make plain string comparison the clock order, in Python, SQL and JavaScript
alike; that is why nothing outside the grammar is accepted (a non-ASCII digit, which
``str.isdigit`` takes, sorts after every real HLC) and why no clock ever writes a
sixth counter digit: the tick after counter 99999 carries into the next millisecond.
"""

import re
import time
from functools import lru_cache
from typing import NamedTuple

MAX_MS = 9_999_999_999_999
MAX_COUNTER = 99_999
NODE = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
GRAMMAR = re.compile(r"([0-9]{13})-([0-9]{5})-([A-Za-z0-9_-]{1,64})", re.ASCII)


class Timestamp(NamedTuple):
    """Immutable, and a tuple: made for every stamp a push checks, where a frozen
    dataclass took longer to build than the parse."""

    ms: int
    counter: int
    node: str

    def __str__(self):
        if not (0 <= self.ms <= MAX_MS and 0 <= self.counter <= MAX_COUNTER
                and NODE.fullmatch(self.node)):
            raise ValueError(f"outside the HLC grammar: {tuple(self)!r}")
        return f"{self.ms:013d}-{self.counter:05d}-{self.node}"

    def after(self, node):
        """The next timestamp, made by ``node``: the counter's next value or, past
        99999, the next millisecond's first (never a six-digit counter)."""
        if self.counter < MAX_COUNTER:
            return Timestamp(self.ms, self.counter + 1, node)
        return Timestamp(self.ms + 1, 0, node)


@lru_cache(maxsize=4096)
def parse(text):
    """Parse an HLC string; raises ValueError when it is not one (TypeError when it is
    not even hashable).

    Cached: a push parses each stamp when it checks it, clamps it and compares it with
    the versions it meets, which are mostly the device's earlier stamps. (Timestamps
    are immutable, so sharing them is safe; a failure is not cached.)"""
    match = GRAMMAR.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not an HLC timestamp: {text!r}")
    ms, counter, node = match.groups()
    return Timestamp(int(ms), int(counter), node)


def is_valid(text):
    try:
        parse(text)
    except (ValueError, TypeError):  # TypeError: unhashable, not text
        return False
    return True


def clamp(text, now_ms):
    """Pull a device timestamp that runs ahead of the server's clock back to ``now_ms``.

    A phone whose clock is a day fast must not win every conflict for a day. Its
    counter and node are kept, so the order among its own edits survives.
    """
    stamp = parse(text)
    if stamp.ms <= now_ms:
        return text
    return str(Timestamp(now_ms, stamp.counter, stamp.node))


class Clock:
    """An HLC for one node. ``now`` is injectable so tests control time."""

    def __init__(self, node, now=time.time):
        if not isinstance(node, str) or not NODE.fullmatch(node):
            raise ValueError(f"not an HLC node (1-64 of A-Z a-z 0-9 - _): {node!r}")
        self.node = node
        self._now = now
        self._last = Timestamp(0, 0, node)

    def wall_ms(self):
        return int(self._now() * 1000)

    def tick(self):
        """A timestamp later than every one this clock issued or received."""
        wall = self.wall_ms()
        if wall > self._last.ms:
            self._last = Timestamp(wall, 0, self.node)
        else:
            self._last = self._last.after(self.node)
        return str(self._last)

    def receive(self, text):
        """Move past a timestamp seen from elsewhere, so later ticks order after it."""
        seen = parse(text)
        if (seen.ms, seen.counter) > (self._last.ms, self._last.counter):
            self._last = Timestamp(seen.ms, seen.counter, self.node)
