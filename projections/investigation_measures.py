"""The investigation measures of reports.md, computed from case records for one period.

Volumes are thousands of cases a year per municipality, so the measures are computed
here, in one pure function, rather than in SQL: the same code for both stores, and the
median and the four-month rule stay readable."""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

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


def add_months(day: date, months: int) -> date:
    """Calendar months later; a day past the target month's end clamps to that end
    (31 October + 4 months = the last day of February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def over_four_months(opened_on: date, closed_on: date) -> bool:
    return closed_on > add_months(opened_on, 4)


def investigation_measures(
    cases: Iterable[CaseRecord], start: date, end: date, *, closed_only: bool = False
) -> dict[str, Any]:
    """All measures for the cases of one group in the period start..end (inclusive)."""

    def within(day: date | None) -> bool:
        return day is not None and start <= day <= end

    reported, assessed, opened, closed, ongoing = [], [], [], [], 0
    for case in cases:
        if within(case.reported_on):
            reported.append(case)
        if within(case.assessed_on):
            assessed.append(case)
        if within(case.opened_on):
            opened.append(case)
        if within(case.closed_on):
            closed.append(case)
        if (
            case.opened_on is not None
            and case.opened_on <= end
            and (case.closed_on is None or case.closed_on > end)
        ):
            ongoing += 1
    in_time = sum(
        1 for c in assessed if c.assessed_on and (c.assessed_on - c.reported_on).days <= 14
    )
    durations = [(c.closed_on - c.opened_on).days for c in closed if c.closed_on and c.opened_on]
    late = sum(
        1
        for c in closed
        if c.closed_on and c.opened_on and over_four_months(c.opened_on, c.closed_on)
    )
    figures: dict[str, Any] = {
        "reported": len(reported),
        "persons_reported": len({c.person for c in reported}),
        "assessed": len(assessed),
        "assessed_within_14_days": in_time,
        "assessed_within_14_days_share": in_time / len(assessed) if assessed else None,
        "opened": len(opened),
        "persons_opened": len({c.person for c in opened}),
        "closed": len(closed),
        "persons_closed": len({c.person for c in closed}),
        "median_duration_days": statistics.median(durations) if durations else None,
        "closed_over_4_months": late,
        "closed_over_4_months_share": late / len(closed) if closed else None,
        "ongoing_on_last_day": ongoing,
    }
    if closed_only:
        return {m: (figures[m] if m in CLOSED_MEASURES else None) for m in MEASURES}
    return figures


def empty_measures() -> dict[str, Any]:
    """The measures of a period without cases."""
    return investigation_measures([], date.min, date.min)
