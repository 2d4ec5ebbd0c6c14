"""One object for each repeated value an aggregate keeps: a day, a code from the feed's
vocabulary. A large ingest keeps a few hundred thousand aggregates in memory to judge the
next events against, and each event decoded or parsed brings its own copies of the same
few thousand days and few dozen codes (a payment's month alone is a date of 32 bytes, a
million of them at ten million events)."""

from __future__ import annotations

import sys
from datetime import date

# Bounded by the calendar: the days of the feed's years.
_DAYS: dict[date, date] = {}


def shared_day(day: date) -> date:
    return _DAYS.setdefault(day, day)


def shared_code(code: str) -> str:
    """A code of a closed vocabulary, or a source's name: few distinct values."""
    return sys.intern(code)


def shared_code_or_none(code: str | None) -> str | None:
    return None if code is None else sys.intern(code)
