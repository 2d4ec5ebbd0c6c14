"""The data stamp: the stored time of the last event a figure includes."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from eventsourcing.domain import DomainEvent

from adapters.eventstore.store import Store


def _stored_at(store: Store, notification_id: int) -> datetime | None:
    found = store.recorder.select_notifications(start=notification_id, limit=1)
    if not found:
        return None
    event = cast(DomainEvent, store.events.mapper.to_domain_event(found[0]))
    return event.timestamp


def data_through(store: Store, as_of: datetime | None = None) -> str | None:
    """ISO time of the last stored event (at or before `as_of`); None for an empty store.
    Stored times grow with the log's positions, so a moment is found by halving."""
    last = store.recorder.max_notification_id() or 0
    if not last:
        return None
    newest = _stored_at(store, last)
    if as_of is None or (newest is not None and newest <= as_of):
        return newest.isoformat() if newest else None
    low, high = 1, last  # find the last position stored at or before as_of
    found: datetime | None = None
    while low <= high:
        middle = (low + high) // 2
        moment = _stored_at(store, middle)
        if moment is not None and moment <= as_of:
            found, low = moment, middle + 1
        else:
            high = middle - 1
    return found.isoformat() if found else None
