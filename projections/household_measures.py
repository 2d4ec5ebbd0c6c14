"""The benefit household measures of reports.md, computed from household-month rows of
one group and one period (whole months)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from domain.vocabulary import PAYMENT_KINDS
from projections.household_records import MonthRow

MEASURES = (
    "household_months",
    "households_avg_per_month",
    "amount",
    "cost_per_household",
    "children_avg_per_month",
    "persons",
    "long_term_households",
    "long_term_share",
    "long_term_persons",
    "long_term_persons_share",
)
# Dimension -> its values in report order; all are properties of a household-month.
DIMENSIONS: dict[str, tuple[Any, ...] | None] = {
    "newly_arrived": (True, False),
    "kind": PAYMENT_KINDS,
    "with_children": (True, False),
}
LONG_TERM_MONTHS = 10  # of a calendar year's 12 (långvarigt ekonomiskt bistånd)


def dimension_value(row: MonthRow, dim: str) -> Any:
    if dim == "with_children":
        return row.children > 0
    if dim == "household_key":
        return row.key.hex
    return getattr(row, dim)


@dataclass(frozen=True)
class HouseholdSums:
    """What one group's measures are made of. A slot is a household-month; it counts when
    its net within the group is above zero. Adults are applicants and co-applicants."""

    household_months: int  # slots that count
    net_ore: int  # of every slot, counted or not
    children: int  # summed over the slots that count
    adults: int  # with a slot that counts
    households: int  # with a slot that counts
    long_term_households: int  # with LONG_TERM_MONTHS slots that count, or more
    long_term_adults: int  # with LONG_TERM_MONTHS months that count, or more


def household_measures(
    rows: Iterable[MonthRow], months: int, *, calendar_year: bool
) -> dict[str, Any]:
    """`rows` are one group's; a household counts in a month when its net amount for that
    month within the group is above zero. The long-term measures exist only for a calendar
    year (null otherwise)."""
    net: dict[tuple[Any, Any], int] = {}
    facts: dict[tuple[Any, Any], MonthRow] = {}
    for row in rows:
        slot = (row.key, row.month)
        net[slot] = net.get(slot, 0) + row.net_ore
        facts[slot] = row  # composition is the same for every kind of one household-month
    counted = [slot for slot, ore in net.items() if ore > 0]
    months_of_household: dict[Any, int] = {}
    months_of_adult: dict[str, set[Any]] = {}
    for slot in counted:
        months_of_household[slot[0]] = months_of_household.get(slot[0], 0) + 1
        row = facts[slot]
        for adult in (row.applicant, row.co_applicant):
            if adult is not None:
                months_of_adult.setdefault(adult, set()).add(slot[1])
    sums = HouseholdSums(
        household_months=len(counted),
        net_ore=sum(net.values()),
        children=sum(facts[slot].children for slot in counted),
        adults=len(months_of_adult),
        households=len(months_of_household),
        long_term_households=sum(1 for n in months_of_household.values() if n >= LONG_TERM_MONTHS),
        long_term_adults=sum(1 for m in months_of_adult.values() if len(m) >= LONG_TERM_MONTHS),
    )
    return measures_of(sums, months, calendar_year=calendar_year)


def measures_of(sums: HouseholdSums, months: int, *, calendar_year: bool) -> dict[str, Any]:
    """reports.md's measures from one group's sums over `months` months."""
    amount = sums.net_ore / 100
    average = sums.household_months / months
    figures: dict[str, Any] = {
        "household_months": sums.household_months,
        "households_avg_per_month": average,
        "amount": amount,
        "cost_per_household": amount / average if average else None,
        "children_avg_per_month": sums.children / months,
        "persons": sums.adults,
        "long_term_households": None,
        "long_term_share": None,
        "long_term_persons": None,
        "long_term_persons_share": None,
    }
    if calendar_year:
        figures["long_term_households"] = sums.long_term_households
        figures["long_term_share"] = (
            sums.long_term_households / sums.households if sums.households else None
        )
        figures["long_term_persons"] = sums.long_term_adults
        figures["long_term_persons_share"] = (
            sums.long_term_adults / sums.adults if sums.adults else None
        )
    return figures
