"""Read models built in memory from the log, beside the live projections and without
touching them: as of a moment (audit replay), up to a position (verify), or from chosen
events only (explain)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import cast

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Tracking

from adapters.eventstore.log_reader import EventDecoder, read_rows
from adapters.eventstore.store import Store
from adapters.projection.kind import Projection, R, V
from adapters.projection.projector import memory_view, project_rows
from domain.provenance import FedEvent

_BATCH = 5000
REPLAY = "replay"  # the tracking name in a model built in memory


def view_from_log(
    store: Store,
    projection: Projection[V, R],
    *,
    keep: Callable[[DomainEvent], bool] | None = None,
    upto: int | None = None,
) -> V:
    """The projection of the stored events up to notification `upto` (all when None) that
    `keep` accepts (all when None)."""
    view = memory_view(projection)
    decoder = EventDecoder(store.events.mapper, projection.topic_prefix)
    position = 0
    while rows := read_rows(store.recorder, position, _BATCH, upto=upto):
        project_rows(projection, view, decoder, rows, REPLAY, after=position, keep=keep)
        position = rows[-1][0]
    return view


def stored_by(moment: datetime) -> Callable[[DomainEvent], bool]:
    """Events volym had stored by `moment`: the library stamps each when it stores it."""
    return lambda event: event.timestamp <= moment


def registered_by(moment: datetime) -> Callable[[DomainEvent], bool]:
    """Events the case systems had registered by `moment` (their recorded_at): what was
    known then even of a log loaded after the fact."""
    return lambda event: cast(FedEvent, event).recorded_at <= moment


def view_as_of(store: Store, projection: Projection[V, R], as_of: datetime) -> V:
    return view_from_log(store, projection, keep=stored_by(as_of))


def view_of_events(projection: Projection[V, R], events: Iterable[DomainEvent]) -> V:
    """The projection of these domain events alone, in the order given."""
    view = memory_view(projection)
    projection.project_batch(view, list(events), Tracking("replay", 1), after=0)
    return view
