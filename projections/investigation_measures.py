"""The investigation measures of reports.md, computed from case records for one period.

Reports count in SQL and hand the counts to `measures_of`; `investigation_measures`
counts the same from case records in Python (for the municipality's own age bands, which
SQL does not group by, and as the reference the SQL counting is tested against). The
median and the four-month rule are kept here, on the closed cases' dates, the same on
both databases."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from domain.periods import add_months
from domain.vocabulary import (
    AGE_GROUPS,
    INVESTIGATION_TARGET_GROUPS,
    OUTCOMES,
    REPORTERS,
    ROUTES,
    SEXES,
)

MEASURES = (
    "reported",
    "persons_reported",
    "assessed",
    "assessed_within_14_days",
    "assessed_within_14_days_share",
    "opened",
    "persons_opened",
    "closed",
    "persons_closed",
    "median_duration_days",
    "closed_over_4_months",
    "closed_over_4_months_share",
    "ongoing_on_last_day",
)
# With --by outcome only these are defined: outcome exists only for closed cases.
CLOSED_MEASURES = (
    "closed",
    "persons_closed",
    "median_duration_days",
    "closed_over_4_months",
    "closed_over_4_months_share",
)

# Dimension -> its values in report order. A case's groups are those of its report; age
# is the age on the report date; reporter is optional in the feed (a null group).
DIMENSIONS: dict[str, tuple[Any, ...] | None] = {
    "target_group": INVESTIGATION_TARGET_GROUPS,
    "route": ROUTES,
    "reporter": REPORTERS,
    "sex": SEXES,
    "age_group": AGE_GROUPS,
    "outcome": OUTCOMES,
}


@dataclass(frozen=True)
class CaseRecord:
    person: str
    reported_on: date
    assessed_on: date | None
    opened_on: date | None
    closed_on: date | None
    outcome: str | None


def over_four_months(opened_on: date, closed_on: date) -> bool:
    return closed_on > _four_months_after(opened_on)


# A year's report asks it of every case closed in the year (34 000 at 3 million events),
# twice over with the totals; the cases share a few hundred opening days.
@lru_cache(maxsize=4096)
def _four_months_after(opened_on: date) -> date:
    return add_months(opened_on, 4)


@dataclass
class CaseCounts:
    """What the measures of one group and period are made of: counts, and the closed
    cases' durations and four-month verdicts (a median needs the values themselves)."""

    reported: int = 0
    persons_reported: int = 0
    assessed: int = 0
    assessed_within_14_days: int = 0
    opened: int = 0
    persons_opened: int = 0
    closed: int = 0
    persons_closed: int = 0
    ongoing_on_last_day: int = 0
    durations: list[int] = field(default_factory=list)  # closed cases that were opened
    closed_over_4_months: int = 0
    # The durations' median where the database counted it (None: from `durations`).
    counted_median: float | None = None


def closed_facts(counts: CaseCounts, opened_on: date | None, closed_on: date) -> None:
    """A case closed in the period: its duration and whether it ran over four months."""
    if opened_on is not None:
        counts.durations.append((closed_on - opened_on).days)
        counts.closed_over_4_months += over_four_months(opened_on, closed_on)


def investigation_measures(
    cases: Iterable[CaseRecord], start: date, end: date, *, closed_only: bool = False
) -> dict[str, Any]:
    """All measures for the cases of one group in the period start..end (inclusive)."""

    def within(day: date | None) -> bool:
        return day is not None and start <= day <= end

    counts = CaseCounts()
    persons: dict[str, set[str]] = {"reported": set(), "opened": set(), "closed": set()}
    for case in cases:
        if within(case.reported_on):
            counts.reported += 1
            persons["reported"].add(case.person)
        if within(case.assessed_on):
            counts.assessed += 1
            if case.assessed_on and (case.assessed_on - case.reported_on).days <= 14:
                counts.assessed_within_14_days += 1
        if within(case.opened_on):
            counts.opened += 1
            persons["opened"].add(case.person)
        if case.closed_on is not None and within(case.closed_on):
            counts.closed += 1
            persons["closed"].add(case.person)
            closed_facts(counts, case.opened_on, case.closed_on)
        if (
            case.opened_on is not None
            and case.opened_on <= end
            and (case.closed_on is None or case.closed_on > end)
        ):
            counts.ongoing_on_last_day += 1
    counts.persons_reported = len(persons["reported"])
    counts.persons_opened = len(persons["opened"])
    counts.persons_closed = len(persons["closed"])
    return measures_of(counts, closed_only=closed_only)


def measures_of(counts: CaseCounts, *, closed_only: bool = False) -> dict[str, Any]:
    """The measures of reports.md from one group's counts."""
    c = counts
    figures: dict[str, Any] = {
        "reported": c.reported,
        "persons_reported": c.persons_reported,
        "assessed": c.assessed,
        "assessed_within_14_days": c.assessed_within_14_days,
        "assessed_within_14_days_share": (
            c.assessed_within_14_days / c.assessed if c.assessed else None
        ),
        "opened": c.opened,
        "persons_opened": c.persons_opened,
        "closed": c.closed,
        "persons_closed": c.persons_closed,
        "median_duration_days": (
            statistics.median(c.durations) if c.durations else c.counted_median
        ),
        "closed_over_4_months": c.closed_over_4_months,
        "closed_over_4_months_share": c.closed_over_4_months / c.closed if c.closed else None,
        "ongoing_on_last_day": c.ongoing_on_last_day,
    }
    if closed_only:
        return {m: (figures[m] if m in CLOSED_MEASURES else None) for m in MEASURES}
    return figures


def empty_measures() -> dict[str, Any]:
    """The measures of a period without cases."""
    return investigation_measures([], date.min, date.min)
