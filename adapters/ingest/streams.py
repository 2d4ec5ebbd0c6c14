"""The feed's streams: for each type prefix, which aggregate its events go to, how a
validated feed event becomes a command on it, and which projection shows it.

The Preparer dispatches on this table, so a new stream is one entry here, its commands
and its projection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.ingest.commands import household_command, investigation_command, placement_command
from domain.household import household_key
from domain.investigation import investigation_key
from domain.placement import placement_key
from projections import households, investigations, placements


@dataclass(frozen=True)
class Stream:
    projection: str
    key: Callable[[Any], UUID]  # the aggregate a feed event belongs to
    command: Callable[[Any, Any, datetime], Any]  # (aggregate or None, event, now)
    # (aggregate, *, persisted, events: its events new in this batch) -> projection record
    record: Callable[..., Any]


STREAMS = {
    "placement": Stream(
        placements.PROJECTION_NAME,
        lambda event: placement_key(event.source, event.placement_id),
        placement_command,
        lambda aggregate, *, persisted, events: placements.record_of(
            aggregate, persisted=persisted
        ),
    ),
    "investigation": Stream(
        investigations.PROJECTION_NAME,
        lambda event: investigation_key(event.source, event.case_id),
        investigation_command,
        lambda aggregate, *, persisted, events: investigations.record_of(
            aggregate, persisted=persisted
        ),
    ),
    "household": Stream(
        households.PROJECTION_NAME,
        lambda event: household_key(event.source, event.household_id),
        household_command,
        households.record_of,
    ),
}


def stream_of(event_type: str) -> Stream:
    return STREAMS[event_type.partition(".")[0]]
