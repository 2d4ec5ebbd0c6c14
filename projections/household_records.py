"""What the household projection keeps of a household (its record: the composition over
time and the payments), its eras, the year rows the reports count and the household-month
rows the reference counts, apart from the aggregate: the read model and the reports need
these, and a command that only reads should not build the aggregate's event classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple
from uuid import UUID

from domain.household_terms import Composition, CompositionChange, Payment, composition_on
from domain.periods import add_months

PROJECTION_NAME = "households"
TOPIC_PREFIX = "domain.household:Household."
# Bump when the rows change meaning: the view is then rebuilt (2: versioned rows; 3: the
# compositions by month, for reports counted in SQL; 4: versions indexed by position; 5:
# reports count year rows, payments are not versioned).
PROJECTION_VERSION = 5


@dataclass
class HouseholdRecord:
    """A household's composition over time and the payments it knows of. A snapshot from
    the aggregate carries only the payments of the years its batch changed (a year's rows
    are made from all of them): a long-term household has years of payments, and carrying
    all of them on every payment made ingest cost grow with each household's age."""

    key: UUID
    source: str
    household_id: str
    registered_on: date
    closed_on: date | None
    initial: Composition
    changes: list[CompositionChange] = field(default_factory=list)
    payments: dict[str, Payment] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)  # payments to write
    # What changed since the read model's last version of it (adapters.readmodels.versions)
    unversioned: set[str] = field(default_factory=set)  # payments
    composition_unversioned: bool = False
    # The composition in force by month changed since the last version (registered,
    # changed; not closed): every year's rows change with it.
    eras_unversioned: bool = False
    persisted: bool = False  # True once the read model holds it (its old rows are replaced)

    def absorb(self, earlier: HouseholdRecord) -> None:
        """This snapshot replaces `earlier`, not yet written, in one write."""
        self.persisted = earlier.persisted
        self.payments = {**earlier.payments, **self.payments}
        self.changed |= earlier.changed

    def eras(self) -> list[Era]:
        """The composition in force month by month, as runs of equal values. Made by
        `in_force` itself at each month a change can begin to count in: that month is the
        first one whose first day is on or after the change's date."""
        runs = [Era(FIRST_MONTH, None, self.in_force(FIRST_MONTH))]
        for month in sorted({_month_from(change.effective) for change in self.changes}):
            values = self.in_force(month)
            if values != runs[-1].values:
                runs[-1] = runs[-1]._replace(last=add_months(month, -1))
                runs.append(Era(month, None, values))
        return runs

    def years(self, only: set[int] | None = None) -> list[YearRows]:
        """The household's rows of each year it was paid for, or of the years `only`
        among them (the payments it carries must be all of those years' payments)."""
        by_year: dict[int, list[Payment]] = {}
        for payment in self.payments.values():
            if only is None or payment.month.year in only:
                by_year.setdefault(payment.month.year, []).append(payment)
        eras = self.eras()
        return [YearRows(year, year_rows(year, by_year[year], eras)) for year in sorted(by_year)]

    def in_force(self, month: date) -> Composition:
        """reports.md: the values on the month's first day, or on the registration day when
        the household was registered later (for a month before registration, too)."""
        if not self.changes:
            return self.initial
        return composition_on(self.initial, self.changes, max(month, self.registered_on))


FIRST_MONTH = date.min  # an era from the first: months before registration count too


class Era(NamedTuple):
    """A run of months (first days; `last` None: to the end of time) and the composition
    in force in each of them."""

    first: date
    last: date | None
    values: Composition


class YearRow(NamedTuple):
    """A household's net assistance in each month of a year (None: no payment for it), of
    one kind or of all kinds together (`kind` ALL_KINDS), in the months of the year in
    which one composition was in force, the first of them `first_month` (1-12). What
    reports count: a year's household-months are a few rows, not a row per payment."""

    first_month: int
    kind: str
    composition: Composition
    nets: tuple[int | None, ...]  # öre, for January to December
    scope: str  # which reports count it: ALL, KIND or BOTH


class YearRows(NamedTuple):
    year: int
    rows: list[YearRow]


ALL_KINDS = ""  # the kind of a year row that sums every kind
# A year row's scope. Months paid in several kinds have a row for all kinds together (ALL:
# what a report not by kind counts) and one per kind (KIND: what a report by kind counts);
# months paid in one kind have one row, which both count (BOTH): a quarter of the rows
# fewer to write and keep.
ALL, KIND, BOTH = "all", "kind", "both"


def year_rows(year: int, payments: list[Payment], eras: list[Era]) -> list[YearRow]:
    """The rows of one year from all its payments and the household's eras: for each era,
    one per kind with a payment and one for all kinds, or one for both where it was paid
    in one kind."""
    first, last = date(year, 1, 1), date(year, 12, 1)
    spans = [
        (era.values, max(era.first, first).month, min(era.last or last, last).month)
        for era in eras
        if era.first <= last and (era.last is None or era.last >= first)
    ]
    begins_of = [0] * 13  # by month (1-12): the first month of its era in this year
    for _, begins, end in spans:
        begins_of[begins : end + 1] = [begins] * (end + 1 - begins)
    # Written for speed: made for every household a commit touches, at each commit
    # (in a households ingest, 7 % of its helper process went here).
    nets: dict[int, dict[str, list[int | None]]] = {}
    for payment in payments:
        month = payment.month.month
        begins = begins_of[month]
        kinds = nets.get(begins)
        if kinds is None:
            kinds = nets[begins] = {}
        left = payment.left_ore
        for kind in (payment.kind, ALL_KINDS):
            row = kinds.get(kind)
            if row is None:
                row = kinds[kind] = [None] * 12
            row[month - 1] = (row[month - 1] or 0) + left
    values = {begins: composition for composition, begins, _ in spans}
    rows: list[YearRow] = []
    for begins, kinds in sorted(nets.items()):
        everything = kinds.pop(ALL_KINDS)
        if len(kinds) == 1:
            (kind,) = kinds
            rows.append(YearRow(begins, kind, values[begins], tuple(everything), BOTH))
            continue
        rows.append(YearRow(begins, ALL_KINDS, values[begins], tuple(everything), ALL))
        rows += [
            YearRow(begins, kind, values[begins], tuple(row), KIND)
            for kind, row in sorted(kinds.items())
        ]
    return rows


def _month_from(day: date) -> date:
    """The first month whose first day is on or after `day`."""
    return day if day.day == 1 else add_months(day.replace(day=1), 1)


class MonthRow(NamedTuple):
    """A household's net assistance of one kind for one month, beside the composition in
    force that month."""

    key: UUID
    month: date
    kind: str
    net_ore: int
    children: int
    newly_arrived: bool
    applicant: str
    co_applicant: str | None


def month_row(record: HouseholdRecord, month: date, kind: str, net_ore: int) -> MonthRow:
    c = record.in_force(month)
    return MonthRow(
        record.key, month, kind, net_ore, c.children, c.newly_arrived, c.applicant, c.co_applicant
    )
