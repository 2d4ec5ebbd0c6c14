"""What the ingest needs to know of a stream: which aggregate a feed event belongs to, the
command it is on that aggregate, and the projection record of the aggregate's new state.
Each stream's spec (adapters.streams) is one, and a projection too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEvent

from adapters.projection.kind import Projection, R, V

if TYPE_CHECKING:
    from adapters.feed.envelope import FeedEvent

A = TypeVar("A", bound=Aggregate)


class IngestStream(Projection[V, R], Protocol[A, V, R]):
    @property
    def aggregate(self) -> str:
        """The feed's type prefix, e.g. "placement" for placement.started."""

    @property
    def feed_events(self) -> tuple[type[FeedEvent], ...]:
        """The feed's models of its event types."""

    @property
    def id_field(self) -> str:
        """The feed field naming the aggregate within its source, e.g. "placement_id"."""

    def key(self, source: str, ident: str) -> UUID:
        """The aggregate's id."""

    def claims(self, event: FeedEvent) -> tuple[tuple[str, str], ...]:
        """The (field, value) pairs of the event that the contract makes unique within its
        source across the stream's aggregates (a payment's payment_id); usually none."""

    def command(self, aggregate: A | None, event: FeedEvent, now: datetime) -> A:
        """The feed event as a command on its aggregate (None: not stored yet); raises
        RuleViolation when the aggregate refuses it."""

    def record(self, aggregate: A, *, persisted: bool, events: Sequence[DomainEvent]) -> R:
        """The aggregate's state as its projection's record; `events` are its events new
        since the read model had it."""


AnyIngestStream = IngestStream[Any, Any, Any]
