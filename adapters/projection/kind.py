"""What the projection engine needs to know of a projection: its name and code version,
the stored events it reads, its tables (one generation of them), and the fold from
events to records that it writes. Each stream's spec (adapters.streams) is one.

Generic in the view and the record types, so that a stream's spec is checked against
its own read model; the engine holds projections of every stream and sees them through
`AnyProjection`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, Self, TypeVar
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Tracking
from sqlalchemy import Engine

from adapters.readmodels.tracking import SqlGenerationView
from adapters.readmodels.versions import Versions


class Record(Protocol):
    """A projection's state of one aggregate, as the engine moves it around."""

    persisted: bool  # True once the read model holds it (its old rows are replaced)

    @property
    def key(self) -> UUID:
        """The aggregate's id."""

    def absorb(self, earlier: Self) -> None:
        """This snapshot replaces `earlier`, not yet written, in one write."""


V = TypeVar("V", bound=SqlGenerationView)
R = TypeVar("R", bound=Record)


class Projection(Protocol[V, R]):
    @property
    def name(self) -> str:
        """Its tables' and its tracking's name, e.g. "placements"."""

    @property
    def version(self) -> int:
        """Its code version: a change rebuilds the projection."""

    @property
    def topic_prefix(self) -> str:
        """The stored events it reads; it skips (but tracks) all others."""

    @property
    def created(self) -> type[DomainEvent]:
        """The event that begins a record."""

    def view(self, engine: Engine, generation: int) -> V:
        """One generation of its tables."""

    def project_batch(
        self, view: V, events: Sequence[DomainEvent], tracking: Tracking, *, after: int
    ) -> None:
        """Apply a batch of events and write the touched records with `tracking`."""

    def save(
        self,
        view: V,
        records: Sequence[R],
        tracking: Tracking,
        *,
        after: int,
        versions: Versions | None = None,
    ) -> None:
        """Write records (from aggregates or a rebuild's fold) with `tracking`, and their
        `versions` (without: each record's state is its version at `tracking`)."""

    def load(self, view: V, keys: Iterable[UUID]) -> dict[UUID, R]:
        """The stored records of these aggregates."""

    def apply(self, records: dict[UUID, R], event: DomainEvent) -> None:
        """Fold one event into the records it touches."""


# The engine keeps projections of all streams side by side; Python has no existential
# types, so a mixed collection is of Projection[Any, Any] and each spec is checked alone.
AnyProjection = Projection[Any, Any]
