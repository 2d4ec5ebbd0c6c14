"""What the placement projection keeps of a placement (its record) and the care-day
segments a report counts, apart from the aggregate: the read model and the reports need
these, and a command that only reads should not build the aggregate's event classes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

from domain.placement_terms import Segment, TermChange, Terms, segments
from domain.vocabulary import age_group_of, age_on, form_group

PROJECTION_NAME = "placements"
TOPIC_PREFIX = "domain.placement:Placement."  # the stored topics this projection reads
# Bump when the rows change meaning: the view is then rebuilt (3: versioned rows; 4: the
# indexes a period's segments are found by; 5: the same on their versions, with the
# positions; 6: the positions second, so that the open ones at a moment are one range).
PROJECTION_VERSION = 6


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
