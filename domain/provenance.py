"""What every event from a case system carries, and how its aggregate is named."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate


class FedEvent(Aggregate.Event):
    """Base of the events of aggregates fed by case systems."""

    event_id: str  # the feed's idempotency key within its source
    recorded_at: datetime  # when the case system registered it
    occurred_on: date  # when it happened in reality: the effective date


def aggregate_id(namespace: UUID, source: str, ident: str) -> UUID:
    """The same (source, id) always names the same aggregate."""
    return uuid5(namespace, f"{source}\x1f{ident}")
