"""Placements in 24-hour care (feed.md placement.*, reports.md placements)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Tracking
from sqlalchemy import Engine

from adapters.readmodels.placements import SqlPlacementView
from adapters.readmodels.versions import Versions
from adapters.reports.placements import PLACEMENTS, placement_report
from adapters.reports.request import Report, ReportKind, ReportRequest
from adapters.streams.spec import DemoTable, StreamLabels
from domain.keys import placement_key
from projections.placement_records import (
    PROJECTION_NAME,
    PROJECTION_VERSION,
    TOPIC_PREFIX,
    PlacementRecord,
)

# The aggregate, its event classes and the projection from events load where events are
# handled: a command that only reads needs the records alone (issue 15: start-up).
if TYPE_CHECKING:  # the feed's models (pydantic) load only where a feed is read
    from adapters.feed.envelope import FeedEvent
    from domain.placement import Placement


class Placements:
    name = PROJECTION_NAME
    version = PROJECTION_VERSION
    topic_prefix = TOPIC_PREFIX
    aggregate = "placement"
    id_field = "placement_id"
    report_kind: ReportKind = PLACEMENTS
    labels = StreamLabels(
        title="Placeringar i heldygnsvård",
        history_title="Placering",
        measures={
            "care_days": "Vårddygn",
            "average_placements": "Antal placeringar",
            "cost": "Kostnad, kr",
            "cost_per_care_day": "Kostnad per dygn, kr",
            "started": "Påbörjade",
            "ended": "Avslutade",
            "active_on_last_day": "Pågående sista dagen",
            "persons": "Personer",
        },
    )
    demo_file = "exempelby-placeringar.jsonl"

    @property
    def created(self) -> type[DomainEvent]:
        from domain.placement import Placement

        return Placement.Started

    # ingest
    def key(self, source: str, ident: str) -> UUID:
        return placement_key(source, ident)

    @property
    def feed_events(self) -> tuple[type[FeedEvent], ...]:
        from adapters.feed import placements as feed

        return feed.EVENTS

    def claims(self, event: FeedEvent) -> tuple[tuple[str, str], ...]:
        return ()

    def command(self, aggregate: Placement | None, event: FeedEvent, now: datetime) -> Placement:
        from adapters.ingest.commands import placement_command

        return placement_command(aggregate, event, now)

    def record(
        self, aggregate: Placement, *, persisted: bool, events: Sequence[DomainEvent]
    ) -> PlacementRecord:
        from projections.placements import record_of

        return record_of(aggregate, persisted=persisted)

    # projection and read model
    def view(self, engine: Engine, generation: int) -> SqlPlacementView:
        return SqlPlacementView(engine, generation)

    def project_batch(
        self,
        view: SqlPlacementView,
        events: Sequence[DomainEvent],
        tracking: Tracking,
        *,
        after: int,
    ) -> None:
        from projections.placements import project_batch

        project_batch(view, events, tracking, after=after)

    def save(
        self,
        view: SqlPlacementView,
        records: Sequence[PlacementRecord],
        tracking: Tracking,
        *,
        after: int,
        versions: Versions | None = None,
    ) -> None:
        view.save_placements(records, tracking, after=after, versions=versions)

    def load(self, view: SqlPlacementView, keys: Iterable[UUID]) -> dict[UUID, PlacementRecord]:
        return view.placements(keys)

    def apply(self, records: dict[UUID, PlacementRecord], event: DomainEvent) -> None:
        self._apply(records, event)

    @cached_property
    def _apply(self) -> Callable[[dict[UUID, PlacementRecord], DomainEvent], None]:
        """The projection's fold, looked up once: a rebuild calls it for every event."""
        from projections.placements import apply

        return apply

    # report
    def report(self, view: SqlPlacementView, request: ReportRequest) -> Report:
        return placement_report(view, request)

    # the example municipality
    def synthetic_feed(self, seed: int, scale: float = 1.0) -> Iterator[str]:
        from adapters.synthetic.placements import placement_feed

        return placement_feed(seed, scale)

    def demo_tables(self, years: tuple[int, ...]) -> list[DemoTable]:
        first_quarters = tuple(f"{year}-Q1" for year in years)
        adults = tuple(
            f"target_group={g}" for g in ("vuxna_missbruk", "vuxna_vald", "vuxna_ovriga")
        )
        return [
            DemoTable(
                first_quarters,
                ("average_placements",),
                ("form_group",),
                ("target_group=barn_unga",),
            ),
            DemoTable(first_quarters, ("average_placements",), ("form_group",), adults),
            DemoTable(
                tuple(str(y) for y in years),
                ("average_placements", "cost", "cost_per_care_day"),
                ("target_group",),
            ),
        ]
