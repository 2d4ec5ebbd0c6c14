"""Placements in 24-hour care (feed.md placement.*, reports.md placements)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
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
from domain.placement import Placement, placement_key
from projections import placements as projection
from projections.placements import PlacementRecord

if TYPE_CHECKING:  # the feed's models (pydantic) load only where a feed is read
    from adapters.feed.envelope import FeedEvent


class Placements:
    name = projection.PROJECTION_NAME
    version = projection.PROJECTION_VERSION
    topic_prefix = projection.TOPIC_PREFIX
    created: type[DomainEvent] = Placement.Started
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
        return projection.record_of(aggregate, persisted=persisted)

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
        projection.project_batch(view, events, tracking, after=after)

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
        projection.apply(records, event)

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
