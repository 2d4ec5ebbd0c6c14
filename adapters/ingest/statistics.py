"""The planner's statistics while a large ingest fills a PostgreSQL store.

PostgreSQL chooses its plans by each table's statistics, which autovacuum refreshes, when
it runs: with it off (measured on this machine) or behind a bulk load, the idempotency
lookups planned for an empty feed_event took 30 ms instead of 1.4 ms at 700 000 events,
and ingest fell to a sixth of its rate. An ingest therefore analyzes the tables it writes
itself, each time the events it stored have grown fourfold, and once at its end: a few
tenths of a second each, a handful of times for any size."""

from __future__ import annotations

from collections.abc import Iterable

from adapters.eventstore import moments
from adapters.eventstore.store import Store
from adapters.projection.projector import AnyProjector

FIRST = 20_000  # events stored before the first analysis
GROWTH = 4


class Statistics:
    def __init__(self, store: Store, projectors: Iterable[AnyProjector]) -> None:
        self.store = store
        self.projectors = list(projectors)
        self.enabled = store.is_postgres
        self.stored = 0  # by this ingest
        self.since = 0  # since the last analysis
        self.next = FIRST

    def add(self, events: int) -> None:
        if not self.enabled:
            return
        self.stored += events
        self.since += events
        if self.stored >= self.next:
            self.refresh()
            self.next = self.stored * GROWTH

    def finish(self) -> None:
        if self.enabled and self.since >= FIRST:
            self.refresh()

    def refresh(self) -> None:
        tables = [self.store.recorder.events_table_name, "feed_event", "feed_claim"]
        tables.append(moments.TABLE)
        views: list[str] = []
        with self.store.engine.begin() as conn:
            for projector in self.projectors:
                view = projector.live_view()
                if view is not None:
                    views += [table.name for table in view.metadata.sorted_tables]
                    view.create_statistics(conn)  # a store made before they were kept
            conn.exec_driver_sql("ANALYZE " + ", ".join(tables))
        # The read models are rewritten as they are projected (a version closed, a row
        # replaced), and their dead rows stay in the indexes until a vacuum: measured at a
        # million events, never vacuumed, a placements quarter took 33 ms, vacuumed 17 ms
        # (the vacuum took 3.5 s). The log's tables only grow: analyzed is enough.
        if views:
            autocommit = self.store.engine.execution_options(isolation_level="AUTOCOMMIT")
            with autocommit.connect() as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE) " + ", ".join(views))
        self.since = 0
