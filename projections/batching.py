"""What every projection does with a batch of events: load the records the batch touches
but does not create, apply the events in order, and hand back the touched records."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from uuid import UUID

R = TypeVar("R")


class PositionMoved(Exception):
    """Another process projected past `after` first: nothing was written; go on from the
    view's new position."""


def touched_records(
    domain_events: Sequence[Any],
    event_base: type[Any],
    created: type[Any],
    load: Callable[[Iterable[UUID]], dict[UUID, R]],
    apply: Callable[[dict[UUID, R], Any], None],
) -> list[R]:
    """Events not derived from `event_base` belong to other projections and are skipped."""
    mine = [e for e in domain_events if isinstance(e, event_base)]
    records: dict[UUID, R] = {}
    fold_into(records, mine, created, load, apply)
    touched = dict.fromkeys(e.originator_id for e in mine)
    return [records[key] for key in touched if key in records]


def fold_into(
    records: dict[UUID, R],
    domain_events: Sequence[Any],
    created: type[Any],
    load: Callable[[Iterable[UUID]], dict[UUID, R]] | None,
    apply: Callable[[dict[UUID, R], Any], None],
) -> None:
    """Apply one projection's events to `records` (kept across batches by a rebuild).
    Records neither in `records` nor begun in this batch are loaded first when `load` is
    given; without it (nothing stored yet), an event without its record is skipped."""
    if load is not None:
        born = {e.originator_id for e in domain_events if isinstance(e, created)}
        needed = {
            e.originator_id
            for e in domain_events
            if e.originator_id not in records and e.originator_id not in born
        }
        if needed:
            records.update(load(needed))
    for domain_event in domain_events:
        apply(records, domain_event)
