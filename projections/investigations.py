"""The investigation projection: one record per case, with the dates the measures count.

A case's groups (target group, route, reporter, sex, age) are those of its report, so the
record is the report's facts plus the day each later step happened."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Tracking

from domain.investigation import Investigation
from projections.batching import touched_records
from projections.investigation_records import InvestigationRecord


class InvestigationView(Protocol):
    """The read-model port: rows written with their tracking record, atomically, and only
    if the view is still at `after`."""

    def cases(self, keys: Iterable[UUID]) -> dict[UUID, InvestigationRecord]: ...

    def save_cases(
        self, records: Sequence[InvestigationRecord], tracking: Tracking, *, after: int
    ) -> None: ...


def apply(records: dict[UUID, InvestigationRecord], domain_event: Any) -> None:
    key = domain_event.originator_id
    if isinstance(domain_event, Investigation.Reported):
        records[key] = _reported(domain_event)
        return
    record = records.get(key)
    if record is None:
        return  # history out of reach (a partial replay); nothing to attach it to
    day = domain_event.occurred_on
    if isinstance(domain_event, Investigation.Assessed):
        record.assessed_on, record.decision = day, domain_event.decision
    elif isinstance(domain_event, Investigation.Opened):
        record.opened_on = day
    elif isinstance(domain_event, Investigation.Extended):
        record.extended_until = domain_event.until
    elif isinstance(domain_event, Investigation.Closed):
        record.closed_on, record.outcome = day, domain_event.outcome


def project_batch(
    view: InvestigationView, domain_events: Sequence[Any], tracking: Tracking, *, after: int
) -> None:
    """Apply a batch and save every touched case with the batch's tracking record; a batch
    without investigation events still advances tracking."""
    touched = touched_records(
        domain_events, Investigation.Event, Investigation.Reported, view.cases, apply
    )
    view.save_cases(touched, tracking, after=after)


def record_of(investigation: Investigation, *, persisted: bool) -> InvestigationRecord:
    """A case's state as a projection record: the aggregate folds the same events."""
    i = investigation
    return InvestigationRecord(
        key=i.id,
        source=i.source,
        case_id=i.case_id,
        person=i.person,
        birth_date=i.birth_date,
        sex=i.sex,
        target_group=i.target_group,
        route=i.route,
        reporter=i.reporter,
        reported_on=i.reported_on,
        assessed_on=i.assessed_on,
        decision=i.decision,
        opened_on=i.opened_on,
        extended_until=i.extended_until,
        closed_on=i.closed_on,
        outcome=i.outcome,
        persisted=persisted,
    )


def _reported(e: Any) -> InvestigationRecord:
    return InvestigationRecord(
        key=e.originator_id,
        source=e.source,
        case_id=e.case_id,
        person=e.person,
        birth_date=e.birth_date,
        sex=e.sex,
        target_group=e.target_group,
        route=e.route,
        reporter=e.reporter,
        reported_on=e.occurred_on,
    )
