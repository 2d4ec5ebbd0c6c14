"""The nämnd's budget for its verksamhetsmått (budget.md): which measures may be
budgeted, the budget for any period inside the year, and the deviation in its sense.

A budget year is one aggregate. Each import of the controller's file revises it whole
(who, when, the file's digest); a file imported again changes nothing. Forecast
overrides, with their reasons, are events of the same aggregate."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError

SUMS = frozenset(
    {
        "care_days",
        "cost",
        "started",
        "ended",
        "household_months",
        "amount",
        "reported",
        "assessed",
        "opened",
        "closed",
    }
)
LEVELS = frozenset({"average_placements", "households_avg_per_month"})
PRICES = frozenset({"cost_per_care_day", "cost_per_household"})
MONEY = frozenset({"cost", "amount", "cost_per_care_day", "cost_per_household"})
BUDGETABLE = SUMS | LEVELS | PRICES

MORE_THAN_BUDGET = "more_than_budget"  # (+) fler än budget: counts, care days, levels
BELOW_BUDGET = "below_budget"  # (+) lägre än budget: money and prices


@dataclass(frozen=True)
class BudgetRow:
    """One row of the budget file: a measure of one kind, filtered, budgeted for the year
    and perhaps month by month, in the measure's own unit."""

    year: int
    row: str
    label: str
    kind: str
    measure: str
    where: tuple[tuple[str, tuple[str, ...]], ...]
    budget: Decimal
    months: tuple[Decimal, ...] | None  # twelve, or None: spread over the year

    def as_fact(self) -> dict[str, Any]:
        """As an event carries it: JSON values only."""
        return {
            "row": self.row,
            "label": self.label,
            "kind": self.kind,
            "measure": self.measure,
            "where": [[dim, list(values)] for dim, values in self.where],
            "budget": str(self.budget),
            "months": [str(m) for m in self.months] if self.months is not None else None,
        }

    @staticmethod
    def from_fact(year: int, fact: dict[str, Any]) -> BudgetRow:
        months = fact["months"]
        return BudgetRow(
            year,
            fact["row"],
            fact["label"],
            fact["kind"],
            fact["measure"],
            tuple((dim, tuple(values)) for dim, values in fact["where"]),
            Decimal(fact["budget"]),
            tuple(Decimal(m) for m in months) if months is not None else None,
        )


def deviation_sense(measure: str) -> str:
    return BELOW_BUDGET if measure in MONEY else MORE_THAN_BUDGET


def deviation(measure: str, outcome: Decimal, budget: Decimal) -> Decimal:
    """Positive when more was done than budgeted (counts, days, levels), or when less was
    spent than budgeted (money, prices)."""
    return budget - outcome if measure in MONEY else outcome - budget


def _month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def month_budgets(row: BudgetRow) -> tuple[Decimal, ...]:
    """Each month's budget: as given, or else the year's spread. A sum is spread by
    calendar days for placements and equally for the other kinds; a level or a price is
    the year's value in every month."""
    if row.months is not None:
        return row.months
    if row.measure not in SUMS:
        return (row.budget,) * 12
    if row.kind == "placements":
        total = Decimal(_days_in_year(row.year))
        return tuple(row.budget * _month_days(row.year, m) / total for m in range(1, 13))
    return (row.budget / 12,) * 12


def period_budget(row: BudgetRow, start: date, end: date) -> Decimal:
    """The budget for the days start..end (inclusive) of the row's year: a sum adds its
    months, a month covered in part by its share of days; a level or price is the months'
    values weighted by the days covered in each."""
    if start.year != row.year or end.year != row.year or end < start:
        raise DomainError(f"the period {start}..{end} does not lie inside {row.year}")
    months = month_budgets(row)
    total = Decimal(0)
    weights = 0
    for month in range(start.month, end.month + 1):
        first = max(start, date(row.year, month, 1))
        last = min(end, date(row.year, month, _month_days(row.year, month)))
        covered = (last - first).days + 1
        if row.measure in SUMS:
            total += months[month - 1] * covered / _month_days(row.year, month)
        else:
            total += months[month - 1] * covered
            weights += covered
    return total if row.measure in SUMS else total / weights


def budget_id(year: int) -> UUID:
    return uuid5(NAMESPACE_URL, f"volym:budget:{year}")


class Budget(Aggregate):
    """The budget of one year and the forecast overrides made against it."""

    @staticmethod
    def create_id(year: int) -> UUID:
        return budget_id(year)

    @event("Imported")
    def __init__(self, year: int, rows: list[dict[str, Any]], digest: str, by: str) -> None:
        self.year = year
        self.rows = rows
        self.digest = digest
        self.imported_by = by
        self.overrides: dict[str, dict[str, str]] = {}

    def revise(self, rows: list[dict[str, Any]], digest: str, by: str) -> bool:
        """A new file for the year replaces the rows from now on; the same file again
        changes nothing (False)."""
        if digest == self.digest:
            return False
        self._revised(rows, digest, by)
        return True

    @event("Revised")
    def _revised(self, rows: list[dict[str, Any]], digest: str, by: str) -> None:
        self.rows = rows
        self.digest = digest
        self.imported_by = by

    def override(self, row: str, value: Decimal, reason: str, by: str) -> None:
        if row not in self.row_keys:
            raise DomainError(f"the budget {self.year} has no row {row}")
        if not reason.strip():
            raise DomainError("an override needs a reason")
        self._overridden(row, str(value), reason.strip(), by)

    @event("ForecastOverridden")
    def _overridden(self, row: str, value: str, reason: str, by: str) -> None:
        self.overrides[row] = {"value": value, "reason": reason, "by": by}

    def clear_override(self, row: str, by: str) -> None:
        if row not in self.overrides:
            raise DomainError(f"the forecast of row {row} in {self.year} is not overridden")
        self._cleared(row, by)

    @event("OverrideCleared")
    def _cleared(self, row: str, by: str) -> None:
        del self.overrides[row]

    @property
    def row_keys(self) -> list[str]:
        return [r["row"] for r in self.rows]

    def budget_rows(self) -> list[BudgetRow]:
        return [BudgetRow.from_fact(self.year, fact) for fact in self.rows]


def year_span(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def one_year_earlier(day: date) -> date:
    """The same date a year earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


__all__ = [
    "BELOW_BUDGET",
    "BUDGETABLE",
    "LEVELS",
    "MONEY",
    "MORE_THAN_BUDGET",
    "PRICES",
    "SUMS",
    "Budget",
    "BudgetRow",
    "budget_id",
    "deviation",
    "deviation_sense",
    "month_budgets",
    "one_year_earlier",
    "period_budget",
    "year_span",
]
