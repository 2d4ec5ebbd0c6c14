"""What every event from a case system carries (how its aggregate is named: domain.keys)."""

from __future__ import annotations

from datetime import date, datetime

from eventsourcing.domain import Aggregate


class FedEvent(Aggregate.Event):
    """Base of the events of aggregates fed by case systems."""

    event_id: str  # the feed's idempotency key within its source
    recorded_at: datetime  # when the case system registered it
    occurred_on: date  # when it happened in reality: the effective date

