"""Households receiving ekonomiskt bistånd (feed.md household.*, reports.md
households)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, cast
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Tracking
from sqlalchemy import Engine

from adapters.readmodels.households import SqlHouseholdView
from adapters.readmodels.versions import Versions
from adapters.reports.households import HOUSEHOLDS, household_report
from adapters.reports.request import Report, ReportKind, ReportRequest
from adapters.streams.spec import DemoTable, StreamLabels
from domain.keys import household_key
from projections.household_records import (
    PROJECTION_NAME,
    PROJECTION_VERSION,
    TOPIC_PREFIX,
    HouseholdRecord,
)

# The aggregate, its event classes and the projection from events load where events are
# handled: a command that only reads needs the records alone (issue 15: start-up).
if TYPE_CHECKING:  # the feed's models (pydantic) load only where a feed is read
    from adapters.feed.envelope import FeedEvent
    from adapters.feed.households import HouseholdPaid
    from domain.household import Household


class Households:
    name = PROJECTION_NAME
    version = PROJECTION_VERSION
    topic_prefix = TOPIC_PREFIX
    aggregate = "household"
    id_field = "household_id"
    report_kind: ReportKind = HOUSEHOLDS
    labels = StreamLabels(
        title="Ekonomiskt bistånd",
        history_title="Hushåll",
        measures={
            "household_months": "Biståndsmånader",
            "persons": "Personer",
            "households_avg_per_month": "Hushåll per månad",
            "amount": "Utbetalt netto, kr",
            "cost_per_household": "Kostnad per hushåll, kr",
            "children_avg_per_month": "Berörda barn per månad",
            "long_term_households": "Långvarigt bistånd, hushåll",
            "long_term_share": "Andel långvarigt, %",
            "long_term_persons": "Långvarigt bistånd, vuxna",
            "long_term_persons_share": "Andel vuxna långvarigt, %",
        },
    )
    demo_file = "exempelby-ekonomiskt-bistand.jsonl"

    @property
    def created(self) -> type[DomainEvent]:
        from domain.household import Household

        return Household.Registered

    # ingest
    def key(self, source: str, ident: str) -> UUID:
        return household_key(source, ident)

    @property
    def feed_events(self) -> tuple[type[FeedEvent], ...]:
        from adapters.feed import households as feed

        return feed.EVENTS

    def claims(self, event: FeedEvent) -> tuple[tuple[str, str], ...]:
        """feed.md: payment_id is unique within a source, not only within a household."""
        if event.type == "household.paid":
            return (("payment_id", cast("HouseholdPaid", event).payment_id),)
        return ()

    def command(self, aggregate: Household | None, event: FeedEvent, now: datetime) -> Household:
        from adapters.ingest.commands import household_command

        return household_command(aggregate, event, now)

    def record(
        self, aggregate: Household, *, persisted: bool, events: Sequence[DomainEvent]
    ) -> HouseholdRecord:
        """With the payments its new events changed (a long-term household has years of
        payments; carrying all of them on every payment made ingest cost grow)."""
        from projections.households import record_of

        return record_of(aggregate, persisted=persisted, events=events)

    # projection and read model
    def view(self, engine: Engine, generation: int) -> SqlHouseholdView:
        return SqlHouseholdView(engine, generation)

    def project_batch(
        self,
        view: SqlHouseholdView,
        events: Sequence[DomainEvent],
        tracking: Tracking,
        *,
        after: int,
    ) -> None:
        from projections.households import project_batch

        project_batch(view, events, tracking, after=after)

    def save(
        self,
        view: SqlHouseholdView,
        records: Sequence[HouseholdRecord],
        tracking: Tracking,
        *,
        after: int,
        versions: Versions | None = None,
    ) -> None:
        view.save_households(records, tracking, after=after, versions=versions)

    def load(self, view: SqlHouseholdView, keys: Iterable[UUID]) -> dict[UUID, HouseholdRecord]:
        return view.households(keys)

    def apply(self, records: dict[UUID, HouseholdRecord], event: DomainEvent) -> None:
        self._apply(records, event)

    @cached_property
    def _apply(self) -> Callable[[dict[UUID, HouseholdRecord], DomainEvent], None]:
        """The projection's fold, looked up once: a rebuild calls it for every event."""
        from projections.households import apply

        return apply

    # report
    def report(self, view: SqlHouseholdView, request: ReportRequest) -> Report:
        return household_report(view, request)

    # the example municipality
    def synthetic_feed(self, seed: int, scale: float = 1.0) -> Iterator[str]:
        from adapters.synthetic.households import household_feed

        return household_feed(seed, scale)

    def demo_tables(self, years: tuple[int, ...]) -> list[DemoTable]:
        """Per year: households per month, what was paid, the cost per household and the
        share on long-term assistance (10 of the year's 12 months)."""
        return [
            DemoTable(
                (f"{years[0]}-01..{years[-1]}-12",),
                (
                    "households_avg_per_month",
                    "amount",
                    "cost_per_household",
                    "children_avg_per_month",
                    "long_term_households",
                    "long_term_share",
                    "long_term_persons_share",
                ),
                ("year",),
            )
        ]
