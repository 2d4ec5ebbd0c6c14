"""Read models built in memory from the log, beside the live projections and without
touching them: as of a moment (audit replay), up to a position (verify), or from chosen
events only (explain)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from adapters.composition import Volym
from adapters.eventstore.log_reader import EventDecoder, read_rows
from adapters.projection.kinds import ProjectionKind

_BATCH = 5000


def memory_view(kind: ProjectionKind) -> Any:
    view = kind.view(create_engine("sqlite://", poolclass=StaticPool), 1)
    view.create_tables()
    return view


def view_from_log(
    volym: Volym,
    kind: ProjectionKind,
    *,
    keep: Callable[[Any], bool] | None = None,
    upto: int | None = None,
) -> Any:
    """The projection of the stored events up to notification `upto` (all when None) that
    `keep` accepts (all when None)."""
    view = memory_view(kind)
    decoder = EventDecoder(volym.events.mapper, kind.topic_prefix)
    position = 0
    while rows := read_rows(volym.recorder, position, _BATCH, upto=upto):
        events = decoder.decode(rows)
        known = events if keep is None else [e for e in events if keep(e)]
        kind.project_batch(view, known, Tracking("replay", rows[-1][0]), after=position)
        position = rows[-1][0]
    return view


def view_as_of(volym: Volym, kind: ProjectionKind, as_of: datetime) -> Any:
    """The library stamps each event when volym stores it: its stored time."""
    return view_from_log(volym, kind, keep=lambda e: e.timestamp <= as_of)


def view_of_events(kind: ProjectionKind, events: Iterable[Any]) -> Any:
    """The projection of these domain events alone, in the order given."""
    view = memory_view(kind)
    kind.project_batch(view, list(events), Tracking("replay", 1), after=0)
    return view
