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
    born: set[UUID] = set()
    needed: set[UUID] = set()
    for domain_event in domain_events:
        if not isinstance(domain_event, event_base):
            continue
        key = domain_event.originator_id
        if isinstance(domain_event, created):
            born.add(key)
        elif key not in born:
            needed.add(key)
    records: dict[UUID, R] = dict(load(needed))
    touched: dict[UUID, None] = {}
    for domain_event in domain_events:
        if isinstance(domain_event, event_base):
            apply(records, domain_event)
            if domain_event.originator_id in records:
                touched[domain_event.originator_id] = None
    return [records[key] for key in touched]


def fold_into(
    records: dict[UUID, R],
    domain_events: Sequence[Any],
    created: type[Any],
    load: Callable[[Iterable[UUID]], dict[UUID, R]] | None,
    apply: Callable[[dict[UUID, R], Any], None],
) -> None:
    """Apply one projection's events to `records`, kept across batches (a rebuild).
    Records not in memory are loaded first when `load` is given (they were written out
    earlier); without it, an event whose record is not in `records` is skipped."""
    if load is not None:
        needed = {
            e.originator_id
            for e in domain_events
            if e.originator_id not in records and not isinstance(e, created)
        }
        if needed:
            records.update(load(needed))
    for domain_event in domain_events:
        apply(records, domain_event)
