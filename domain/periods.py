"""Report periods as the social services write them: 2023, 2023-H1, 2023-T2, 2023-Q1,
2023-05, 2023-01..2023-08 and 2023-01-01..2023-03-31 (both ends included)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from domain.errors import InvalidPeriod

TIME_DIMENSIONS = ("month", "quarter", "tertial", "year")

# ASCII digits only (re.ASCII): int() would take other scripts' digits too.
_YEAR = re.compile(r"^(\d{4})$", re.ASCII)
_PART = re.compile(r"^(\d{4})-([HTQ])(\d)$", re.ASCII)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
# The years volym counts (the feed's dates lie in them too).
FIRST_YEAR, LAST_YEAR = 1900, 2100
_PARTS = {"H": (2, 6), "T": (3, 4), "Q": (4, 3)}  # count of parts, months per part


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def is_whole_months(self) -> bool:
        return self.start.day == 1 and self.end == month_end(self.end.year, self.end.month)

    def months(self) -> Iterator[Period]:
        """The calendar months the period touches, each clipped to the period."""
        yield from self.split("month")

    def split(self, dimension: str) -> Iterator[Period]:
        """Sub-periods of a time dimension, each clipped to this period."""
        if dimension not in TIME_DIMENSIONS:
            raise InvalidPeriod(f"'{dimension}' is not a time dimension")
        cursor = self.start
        while cursor <= self.end:
            unit = _unit_containing(cursor, dimension)
            yield Period(unit.label, max(unit.start, self.start), min(unit.end, self.end))
            cursor = unit.end + timedelta(days=1)


def parse_period(text: str) -> Period:
    """Parse one period notation; raise InvalidPeriod with a reason the user can act on."""
    try:
        period = _parse(text)
    except ValueError:  # a year 0000, say: no calendar date at all
        raise InvalidPeriod(
            f"period '{text}': volym counts the years {FIRST_YEAR}-{LAST_YEAR}"
        ) from None
    if period.start.year < FIRST_YEAR or period.end.year > LAST_YEAR:
        raise InvalidPeriod(f"period '{text}': volym counts the years {FIRST_YEAR}-{LAST_YEAR}")
    return period


def _parse(text: str) -> Period:
    raw = text.strip()
    if ".." in raw:
        first, _, last = raw.partition("..")
        if _MONTH.match(first) and _MONTH.match(last):
            start = _parse_month(first).start
            end = _parse_month(last).end
        elif _DATE.match(first) and _DATE.match(last):
            start, end = _parse_date(first), _parse_date(last)
        else:
            raise InvalidPeriod(
                f"period '{text}': a range is YYYY-MM..YYYY-MM or YYYY-MM-DD..YYYY-MM-DD"
            )
        if end < start:
            raise InvalidPeriod(f"period '{text}': the end is before the start")
        return Period(raw, start, end)
    if m := _YEAR.match(raw):
        year = int(m.group(1))
        return Period(raw, date(year, 1, 1), date(year, 12, 31))
    if m := _PART.match(raw):
        year, kind, index = int(m.group(1)), m.group(2), int(m.group(3))
        count, size = _PARTS[kind]
        if not 1 <= index <= count:
            raise InvalidPeriod(f"period '{text}': {kind}{index} does not exist")
        first_month = (index - 1) * size + 1
        last_month = first_month + size - 1
        return Period(raw, date(year, first_month, 1), month_end(year, last_month))
    if _MONTH.match(raw):
        return _parse_month(raw)
    if _DATE.match(raw):
        day = _parse_date(raw)
        return Period(raw, day, day)
    raise InvalidPeriod(
        f"period '{text}' is not one of 2023, 2023-H1, 2023-T1, 2023-Q1, 2023-05, "
        "2023-01..2023-08, 2023-01-01..2023-03-31"
    )


def month_label(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _unit_containing(day: date, dimension: str) -> Period:
    if dimension == "month":
        return _parse_month(month_label(day))
    if dimension == "year":
        return parse_period(f"{day.year:04d}")
    size = 3 if dimension == "quarter" else 4
    letter = "Q" if dimension == "quarter" else "T"
    return parse_period(f"{day.year:04d}-{letter}{(day.month - 1) // size + 1}")


def _parse_month(text: str) -> Period:
    year, month = int(text[:4]), int(text[5:7])
    if not 1 <= month <= 12:
        raise InvalidPeriod(f"period '{text}': month {month:02d} does not exist")
    return Period(text, date(year, month, 1), month_end(year, month))


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidPeriod(f"'{text}' is not a real date") from None


def add_months(day: date, months: int) -> date:
    """Calendar months later (or earlier); a day past the target month's end clamps to
    that end (31 October + 4 months = the last day of February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])
