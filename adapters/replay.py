"""Audit replay: a read model as it would have been from the events volym had stored at
a moment, built in memory from the log without touching the live projections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from adapters.composition import Volym
from adapters.log_reader import EventDecoder, read_rows
from adapters.projection_kinds import ProjectionKind

_BATCH = 5000


def view_as_of(volym: Volym, kind: ProjectionKind, as_of: datetime) -> Any:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    view = kind.view(engine, 1)
    view.create_tables()
    decoder = EventDecoder(volym.events.mapper, kind.topic_prefix)
    position = 0
    while rows := read_rows(volym.recorder, position, _BATCH):
        # The library stamps each event when volym accepts it: its stored time.
        known = [e for e in decoder.decode(rows) if e.timestamp <= as_of]
        kind.project_batch(view, known, Tracking("as-of", rows[-1][0]), after=position)
        position = rows[-1][0]
    return view
