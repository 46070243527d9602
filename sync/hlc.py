"""Hybrid logical clocks: timestamps that order edits made on different devices.

An HLC string is ``"<ms:013d>-<counter:05d>-<node>"``: wall-clock milliseconds, a counter
that breaks ties within one millisecond, and the device that made it. Fixed widths make
plain string comparison the clock order, in Python, SQL and JavaScript alike.
"""

import time
from functools import lru_cache
from typing import NamedTuple

ZERO = "0000000000000-00000-"


class Timestamp(NamedTuple):
    """Immutable, and a tuple: made for every stamp a push checks, where a frozen
    dataclass took longer to build than the parse."""

    ms: int
    counter: int
    node: str

    def __str__(self):
        return f"{self.ms:013d}-{self.counter:05d}-{self.node}"


@lru_cache(maxsize=4096)
def parse(text):
    """Parse an HLC string; raises ValueError when it is not one.

    Cached: a push parses each stamp when it checks it, clamps it and compares it with
    the versions it meets, which are mostly the device's earlier stamps. (Timestamps
    are immutable, so sharing them is safe; a failure is not cached.)"""
    ms, counter, node = text.split("-", 2)
    if len(ms) != 13 or len(counter) != 5 or not (ms.isdigit() and counter.isdigit()):
        raise ValueError(f"not an HLC timestamp: {text!r}")
    return Timestamp(int(ms), int(counter), node)


def is_valid(text):
    try:
        parse(text)
    except (ValueError, AttributeError, TypeError):  # TypeError: unhashable, not text
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
            self._last = Timestamp(self._last.ms, self._last.counter + 1, self.node)
        return str(self._last)

    def receive(self, text):
        """Move past a timestamp seen from elsewhere, so later ticks order after it."""
        seen = parse(text)
        if (seen.ms, seen.counter) > (self._last.ms, self._last.counter):
            self._last = Timestamp(seen.ms, seen.counter, self.node)
