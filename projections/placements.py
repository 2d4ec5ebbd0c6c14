"""The placement projection: from placement events to care-day segments for the reports.

Each placement's state is kept in the read model (its start, end, void and term changes);
whenever an event touches a placement, its segments are computed again from that state,
so end-date corrections and late, out-of-order changes land where they belong."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Tracking

from domain.placement import Placement
from domain.placement_terms import TermChange, Terms
from projections.batching import touched_records
from projections.placement_records import PlacementRecord


class PlacementView(Protocol):
    """The read-model port. Rows are written with their tracking record, atomically, and
    only if the view is still at `after` (the position the batch follows)."""

    def placements(self, keys: Iterable[UUID]) -> dict[UUID, PlacementRecord]: ...

    def save_placements(
        self, records: Sequence[PlacementRecord], tracking: Tracking, *, after: int
    ) -> None: ...


def apply(records: dict[UUID, PlacementRecord], domain_event: Any) -> None:
    """Apply one placement event to the records it touches (others are left alone)."""
    key = domain_event.originator_id
    if isinstance(domain_event, Placement.Started):
        records[key] = _started(domain_event)
        return
    record = records.get(key)
    if record is None:
        return  # history out of reach (a partial replay); nothing to attach it to
    if isinstance(domain_event, Placement.Changed):
        record.changes.append(
            TermChange(domain_event.occurred_on, len(record.changes), dict(domain_event.values))
        )
    elif isinstance(domain_event, Placement.Ended):
        record.last_day = domain_event.occurred_on
    elif isinstance(domain_event, Placement.Voided):
        record.voided = True


def project_batch(
    view: PlacementView, domain_events: Sequence[Any], tracking: Tracking, *, after: int
) -> None:
    """Apply a batch and save every touched placement with the batch's tracking record;
    a batch without placement events still advances tracking."""
    touched = touched_records(
        domain_events, Placement.Event, Placement.Started, view.placements, apply
    )
    view.save_placements(touched, tracking, after=after)


def record_of(placement: Placement, *, persisted: bool) -> PlacementRecord:
    """A placement's state as a projection record: the aggregate is the same fold of the
    same events, so its rows equal those the projection computes from the log."""
    return PlacementRecord(
        key=placement.id,
        source=placement.source,
        placement_id=placement.placement_id,
        person=placement.person,
        birth_date=placement.birth_date,
        sex=placement.sex,
        target_group=placement.target_group,
        unaccompanied=placement.unaccompanied,
        accompanying_children=placement.accompanying_children,
        first_day=placement.first_day,
        last_day=placement.last_day,
        voided=placement.voided,
        initial=placement.initial_terms,
        changes=list(placement.changes),
        persisted=persisted,
    )


def _started(e: Any) -> PlacementRecord:
    return PlacementRecord(
        key=e.originator_id,
        source=e.source,
        placement_id=e.placement_id,
        person=e.person,
        birth_date=e.birth_date,
        sex=e.sex,
        target_group=e.target_group,
        unaccompanied=e.unaccompanied,
        accompanying_children=e.accompanying_children,
        first_day=e.occurred_on,
        last_day=None,
        voided=False,
        initial=Terms(e.form, e.legal_basis, e.regi, e.daily_cost, e.provider),
    )
