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
from adapters.eventstore.moments import Moment, position_at
from adapters.eventstore.store import Store
from adapters.projection.generations import live_generation
from adapters.projection.kind import Projection, R, V
from adapters.projection.projector import log_commits, memory_view, project_rows, tracking_name
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
        commits = log_commits(store, position, rows[-1][0])
        project_rows(
            projection, view, decoder, rows, REPLAY, after=position, commits=commits, keep=keep
        )
        position = rows[-1][0]
    return view


def stored_by(moment: datetime) -> Callable[[DomainEvent], bool]:
    """Events volym had stored by `moment`: the library stamps each when it stores it."""
    return lambda event: event.timestamp <= moment


def registered_by(moment: datetime) -> Callable[[DomainEvent], bool]:
    """Events the case systems had registered by `moment` (their recorded_at): what was
    known then even of a log loaded after the fact."""
    return lambda event: cast(FedEvent, event).recorded_at <= moment


def log_position_at(store: Store, moment: datetime) -> Moment:
    """Where the log stood at `moment`: the end of the last commit stored by then."""
    with store.engine.connect() as conn:
        return position_at(conn, moment)


def view_as_of(store: Store, projection: Projection[V, R], as_of: datetime) -> V:
    """The read model as it stood at `as_of`: the live model's versions current at the
    log's position then, when it has them; otherwise replayed from the log."""
    moment = log_position_at(store, as_of)
    versioned = versioned_view(store, projection, moment)
    if versioned is not None:
        return versioned
    return replayed_as_of(store, projection, as_of, moment)


def replayed_as_of(
    store: Store, projection: Projection[V, R], as_of: datetime, moment: Moment | None = None
) -> V:
    """The reference for view_as_of: the events up to the position, projected anew (for
    a store older than its commit moments, those stamped by `as_of`)."""
    moment = moment or log_position_at(store, as_of)
    if moment.known:
        return view_from_log(store, projection, upto=moment.position)
    return view_from_log(store, projection, keep=stored_by(as_of))


def versioned_view(store: Store, projection: Projection[V, R], moment: Moment) -> V | None:
    """The live view at the moment's position, if its versions reach it: built by this
    code version (earlier ones kept no versions) and up to that position."""
    if not moment.known:
        return None
    current = live_generation(store.engine, projection.name)
    if current is None or current.version != projection.version:
        return None
    live = projection.view(store.engine, current.generation)
    if (live.max_tracking_id(tracking_name(projection.name, current.generation)) or 0) < (
        moment.position
    ):
        return None  # behind the log: its versions stop short of the moment
    return live.at(moment.position)


def view_of_events(projection: Projection[V, R], events: Iterable[DomainEvent]) -> V:
    """The projection of these domain events alone, in the order given."""
    view = memory_view(projection)
    projection.project_batch(view, list(events), Tracking("replay", 1), after=0)
    return view
