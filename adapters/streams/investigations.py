"""Reports, assessments and investigations (feed.md investigation.*, reports.md
investigations)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Tracking
from sqlalchemy import Engine

from adapters.readmodels.investigations import SqlInvestigationView
from adapters.readmodels.versions import Versions
from adapters.reports.investigations import INVESTIGATIONS, investigation_report
from adapters.reports.request import Report, ReportKind, ReportRequest
from adapters.streams.spec import DemoTable, StreamLabels
from domain.keys import investigation_key
from projections.investigation_records import (
    PROJECTION_NAME,
    PROJECTION_VERSION,
    TOPIC_PREFIX,
    InvestigationRecord,
)

# The aggregate, its event classes and the projection from events load where events are
# handled: a command that only reads needs the records alone (issue 15: start-up).
if TYPE_CHECKING:  # the feed's models (pydantic) load only where a feed is read
    from adapters.feed.envelope import FeedEvent
    from domain.investigation import Investigation


class Investigations:
    name = PROJECTION_NAME
    version = PROJECTION_VERSION
    topic_prefix = TOPIC_PREFIX
    aggregate = "investigation"
    id_field = "case_id"
    report_kind: ReportKind = INVESTIGATIONS
    labels = StreamLabels(
        title="Aktualiseringar och utredningar",
        history_title="Ärende",
        measures={
            "reported": "Inledda aktualiseringar",
            "persons_reported": "Unika personer, aktualiseringar",
            "assessed": "Förhandsbedömningar",
            "assessed_within_14_days": "Inom 14 dagar",
            "assessed_within_14_days_share": "Andel inom 14 dagar, %",
            "opened": "Inledda utredningar",
            "persons_opened": "Unika personer, inledda",
            "closed": "Avslutade utredningar",
            "persons_closed": "Unika personer, avslutade",
            "median_duration_days": "Utredningstid, median dagar",
            "closed_over_4_months": "Över 4 månader",
            "closed_over_4_months_share": "Andel över 4 månader, %",
            "ongoing_on_last_day": "Pågående utredningar sista dagen",
        },
    )
    demo_file = "exempelby-utredningar.jsonl"

    @property
    def created(self) -> type[DomainEvent]:
        from domain.investigation import Investigation

        return Investigation.Reported

    # ingest
    def key(self, source: str, ident: str) -> UUID:
        return investigation_key(source, ident)

    @property
    def feed_events(self) -> tuple[type[FeedEvent], ...]:
        from adapters.feed import investigations as feed

        return feed.EVENTS

    def claims(self, event: FeedEvent) -> tuple[tuple[str, str], ...]:
        return ()

    def command(
        self, aggregate: Investigation | None, event: FeedEvent, now: datetime
    ) -> Investigation:
        from adapters.ingest.commands import investigation_command

        return investigation_command(aggregate, event, now)

    def record(
        self, aggregate: Investigation, *, persisted: bool, events: Sequence[DomainEvent]
    ) -> InvestigationRecord:
        from projections.investigations import record_of

        return record_of(aggregate, persisted=persisted)

    # projection and read model
    def view(self, engine: Engine, generation: int) -> SqlInvestigationView:
        return SqlInvestigationView(engine, generation)

    def project_batch(
        self,
        view: SqlInvestigationView,
        events: Sequence[DomainEvent],
        tracking: Tracking,
        *,
        after: int,
    ) -> None:
        from projections.investigations import project_batch

        project_batch(view, events, tracking, after=after)

    def save(
        self,
        view: SqlInvestigationView,
        records: Sequence[InvestigationRecord],
        tracking: Tracking,
        *,
        after: int,
        versions: Versions | None = None,
    ) -> None:
        view.save_cases(records, tracking, after=after, versions=versions)

    def load(
        self, view: SqlInvestigationView, keys: Iterable[UUID]
    ) -> dict[UUID, InvestigationRecord]:
        return view.cases(keys)

    def apply(self, records: dict[UUID, InvestigationRecord], event: DomainEvent) -> None:
        self._apply(records, event)

    @cached_property
    def _apply(self) -> Callable[[dict[UUID, InvestigationRecord], DomainEvent], None]:
        """The projection's fold, looked up once: a rebuild calls it for every event."""
        from projections.investigations import apply

        return apply

    # report
    def report(self, view: SqlInvestigationView, request: ReportRequest) -> Report:
        return investigation_report(view, request)

    # the example municipality
    def synthetic_feed(self, seed: int, scale: float = 1.0) -> Iterator[str]:
        from adapters.synthetic.investigations import case_feed

        return case_feed(seed, scale)

    def demo_tables(self, years: tuple[int, ...]) -> list[DemoTable]:
        """The seeds' Verksamhetsstatistik: the first quarter of each year per target
        group, and the share of utredningar that ran over four months."""
        return [
            DemoTable(
                tuple(f"{year}-Q1" for year in years),
                ("reported", "persons_reported", "opened", "closed"),
                ("target_group",),
            ),
            DemoTable(
                tuple(str(y) for y in years),
                (
                    "assessed_within_14_days_share",
                    "median_duration_days",
                    "closed_over_4_months_share",
                ),
                ("target_group",),
            ),
        ]
