"""The household projection: from household events to household-months, the rows the
benefit reports count. Socialstyrelsen's register counts assistance by the month it is
for, so a payment lands in its `month`, whenever it was paid, and a reversal in the month
of the payment it reverses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Tracking

from domain.household import Household
from domain.household_terms import Composition, CompositionChange, Payment, ore
from projections.batching import touched_records
from projections.household_records import HouseholdRecord


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
            eras_unversioned=True,
        )
        return
    record = records.get(key)
    if record is None:
        return  # history out of reach (a partial replay); nothing to attach it to
    if isinstance(e, Household.Changed):
        record.changes.append(CompositionChange(e.occurred_on, len(record.changes), e.values))
        record.composition_unversioned = record.eras_unversioned = True
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
    since the read model had it, changed, and the others of their years (its rows of a
    year are made from all the year's payments): of every year where the composition
    changed."""
    changed = {
        e.payment_id for e in events if isinstance(e, Household.Paid | Household.PaymentReversed)
    }
    eras_changed = any(isinstance(e, Household.Registered | Household.Changed) for e in events)
    payments = household.payments
    if eras_changed:
        carried = dict(payments)
    else:
        years = {payments[pid].month.year for pid in changed}
        carried = {pid: p for pid, p in payments.items() if p.month.year in years}
    return HouseholdRecord(
        key=household.id,
        source=household.source,
        household_id=household.household_id,
        registered_on=household.registered_on,
        closed_on=household.closed_on,
        initial=household.initial,
        changes=list(household.changes),
        payments=carried,  # immutable: shared
        changed=changed,
        unversioned=set(changed),
        composition_unversioned=eras_changed
        or any(isinstance(e, Household.Closed) for e in events),
        eras_unversioned=eras_changed,
        persisted=persisted,
    )
