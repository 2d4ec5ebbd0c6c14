"""The household projection: from household events to household-months, the rows the
benefit reports count. Socialstyrelsen's register counts assistance by the month it is
for, so a payment lands in its `month`, whenever it was paid, and a reversal in the month
of the payment it reverses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from eventsourcing.persistence import Tracking

from domain.household import (
    Composition,
    CompositionChange,
    Household,
    Payment,
    composition_on,
    ore,
)
from domain.periods import add_months
from projections.batching import touched_records

PROJECTION_NAME = "households"
TOPIC_PREFIX = Household.__module__ + ":Household."
# Bump when the rows change meaning: the view is then rebuilt (2: versioned rows; 3: the
# compositions by month, for reports counted in SQL; 4: versions indexed by position).
PROJECTION_VERSION = 4


@dataclass
class HouseholdRecord:
    """A household's composition over time and the payments it knows of. A snapshot from
    the aggregate carries only the payments its batch changed: a long-term household has
    years of payments, and carrying all of them on every payment made ingest cost grow
    with each household's age."""

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


class HouseholdView(Protocol):
    """The read-model port: rows written with their tracking record, atomically, and only
    if the view is still at `after`."""

    def households(self, keys: Iterable[UUID]) -> dict[UUID, HouseholdRecord]: ...

    def save_households(
        self, records: Sequence[HouseholdRecord], tracking: Tracking, *, after: int
    ) -> None: ...


def apply(records: dict[UUID, HouseholdRecord], domain_event: Any) -> None:
    key = domain_event.originator_id
    e = domain_event
    if isinstance(e, Household.Registered):
        initial = Composition(e.applicant, e.co_applicant, e.children, e.newly_arrived)
        records[key] = HouseholdRecord(
            key,
            e.source,
            e.household_id,
            e.occurred_on,
            None,
            initial,
            composition_unversioned=True,
        )
        return
    record = records.get(key)
    if record is None:
        return  # history out of reach (a partial replay); nothing to attach it to
    if isinstance(e, Household.Changed):
        record.changes.append(CompositionChange(e.occurred_on, len(record.changes), e.values))
        record.composition_unversioned = True
    elif isinstance(e, Household.Paid):
        record.payments[e.payment_id] = Payment(e.month, e.kind, ore(e.amount))
        record.changed.add(e.payment_id)
        record.unversioned.add(e.payment_id)
    elif isinstance(e, Household.PaymentReversed):
        payment = record.payments[e.payment_id]
        record.payments[e.payment_id] = payment._replace(
            reversed_ore=payment.reversed_ore + ore(e.amount)
        )
        record.changed.add(e.payment_id)
        record.unversioned.add(e.payment_id)
    elif isinstance(e, Household.Closed):
        record.closed_on = e.occurred_on
        record.composition_unversioned = True


def project_batch(
    view: HouseholdView, domain_events: Sequence[Any], tracking: Tracking, *, after: int
) -> None:
    """Apply a batch and save every touched household with the batch's tracking record; a
    batch without household events still advances tracking."""
    touched = touched_records(
        domain_events, Household.Event, Household.Registered, view.households, apply
    )
    view.save_households(touched, tracking, after=after)


def record_of(
    household: Household, *, persisted: bool, events: Sequence[Any] = ()
) -> HouseholdRecord:
    """A household's state as a projection record, with the payments that `events`, new
    since the read model had it, changed."""
    changed = {
        e.payment_id for e in events if isinstance(e, Household.Paid | Household.PaymentReversed)
    }
    return HouseholdRecord(
        key=household.id,
        source=household.source,
        household_id=household.household_id,
        registered_on=household.registered_on,
        closed_on=household.closed_on,
        initial=household.initial,
        changes=list(household.changes),
        payments={pid: household.payments[pid] for pid in changed},  # immutable: shared
        changed=changed,
        unversioned=set(changed),
        composition_unversioned=any(
            isinstance(e, Household.Registered | Household.Changed | Household.Closed)
            for e in events
        ),
        persisted=persisted,
    )
