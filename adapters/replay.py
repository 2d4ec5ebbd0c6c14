"""Audit replay: the read model as it would have been from the events volym had stored at
a moment, built in memory from the log without touching the live projections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from adapters.composition import Volym
from adapters.placement_view import SqlPlacementView
from domain.placement import Placement
from projections.placements import project_batch

_BATCH = 5000
_TOPIC_PREFIX = Placement.__module__ + ":Placement."


def placement_view_as_of(volym: Volym, as_of: datetime) -> SqlPlacementView:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    view = SqlPlacementView(engine, 1)
    view.create_tables()
    recorder = volym.recorder
    mapper = volym.events.mapper
    position = 0
    while True:
        notifications = recorder.select_notifications(position, _BATCH, inclusive_of_start=False)
        if not notifications:
            break
        known: list[Any] = []
        for notification in notifications:
            if notification.topic.startswith(_TOPIC_PREFIX):
                domain_event: Any = mapper.to_domain_event(notification)
                # The library stamps each event when volym accepts it: its stored time.
                if domain_event.timestamp <= as_of:
                    known.append(domain_event)
        project_batch(view, known, Tracking("as-of", notifications[-1].id), after=position)
        position = notifications[-1].id
    return view
