"""The placement projection: from placement events to care-day segments for the reports.

Each placement's state is kept in the read model (its start, end, void and term changes);
whenever an event touches a placement, its segments are computed again from that state,
so end-date corrections and late, out-of-order changes land where they belong."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from eventsourcing.persistence import Tracking

from domain.placement import Placement
from domain.placement_terms import Segment, TermChange, Terms, segments
from domain.vocabulary import age_group_of, age_on, form_group
from projections.batching import touched_records

PROJECTION_NAME = "placements"
TOPIC_PREFIX = Placement.__module__ + ":Placement."  # the stored topics this projection reads
# Bump when the rows change meaning: the view is then rebuilt (3: versioned rows; 4: the
# indexes a period's segments are found by; 5: the same on their versions, with the
# positions).
PROJECTION_VERSION = 5


@dataclass
class PlacementRecord:
    key: UUID
    source: str
    placement_id: str
    person: str
    birth_date: date
    sex: str
    target_group: str
    unaccompanied: bool
    accompanying_children: int
    first_day: date
    last_day: date | None
    voided: bool
    initial: Terms
    changes: list[TermChange] = field(default_factory=list)
    persisted: bool = False  # True once the read model holds it (its old rows are replaced)

    def absorb(self, earlier: PlacementRecord) -> None:
        """This snapshot replaces `earlier`, not yet written, in one write."""
        self.persisted = earlier.persisted

    def segments(self) -> list[Segment]:
        return segments(self.initial, self.first_day, self.last_day, self.changes)


class SegmentRow(NamedTuple):
    """Care days `first`..`last` of one placement under one set of terms, with the
    placement's own facts beside them so that a report reads one table."""

    key: UUID
    sequence: int
    first: date
    last: date | None
    start: date
    end: date | None
    person: str
    sex: str
    age_group: str
    age: int  # on the first day in care, for the municipality's own age bands
    target_group: str
    unaccompanied: bool
    form: str
    form_group: str
    legal_basis: str
    regi: str
    provider: str | None
    daily_cost: Decimal


def segment_rows(record: PlacementRecord) -> list[SegmentRow]:
    if record.voided:
        return []  # a voided placement counts nowhere
    age = age_on(record.birth_date, record.first_day)
    group_by_age = age_group_of(age)
    return [
        SegmentRow(
            key=record.key,
            sequence=index,
            first=segment.first,
            last=segment.last,
            start=record.first_day,
            end=record.last_day,
            person=record.person,
            sex=record.sex,
            age_group=group_by_age,
            age=age,
            target_group=record.target_group,
            unaccompanied=record.unaccompanied,
            form=segment.terms.form,
            form_group=form_group(segment.terms.form),
            legal_basis=segment.terms.legal_basis,
            regi=segment.terms.regi,
            provider=segment.terms.provider,
            daily_cost=segment.terms.daily_cost,
        )
        for index, segment in enumerate(record.segments())
    ]


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
