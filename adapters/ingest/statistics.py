"""The planner's statistics while a large ingest fills a PostgreSQL store.

PostgreSQL chooses its plans by each table's statistics, which autovacuum refreshes, when
it runs: with it off (measured on this machine) or behind a bulk load, the idempotency
lookups planned for an empty feed_event took 30 ms instead of 1.4 ms at 700 000 events,
and ingest fell to a sixth of its rate. An ingest therefore analyzes the tables it writes
itself: every few thousand events it looks which of them have grown fourfold since they
were last analyzed, and analyzes those; at its end, all of them.

By table, not by the events stored: a stream that starts late in a feed (a ten-million
event feed's investigations began after 1.2 million events of placements and households)
had its tables analyzed while they were empty. Planned as for an empty table, each
batch's closing of versions became a scan of all the open ones, quadratic in the batch,
and ingest fell from 3 500 to 0-600 events/s until the next fourfold growth of the whole
log, 1.28 million events later."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from adapters.eventstore import moments
from adapters.eventstore.store import Store
from adapters.projection.projector import AnyProjector

FIRST = 20_000  # events stored before the first look; and by an ingest analyzed at its end
LOOK_EVERY = 10_000  # events stored between two looks at the tables' sizes
GROWTH = 4  # a table is analyzed again when it has grown this many times over
MIN_PAGES = 16  # and is at least this large (128 KB): not every small table at each look

# The tables whose size has grown GROWTH-fold since their last analysis (relpages, as it
# found them; 0 for an empty table or one never analyzed). Sizes, not the statistics
# views' counts of changes: those lag behind the other backends' writes.
_GROWN = """
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(%(names)s)
AND pg_relation_size(c.oid) / current_setting('block_size')::int
    >= greatest(%(least)s, %(growth)s * c.relpages)
"""


class Statistics:
    def __init__(self, store: Store, projectors: Iterable[AnyProjector]) -> None:
        self.store = store
        self.projectors = list(projectors)
        self.enabled = store.is_postgres
        self.stored = 0  # by this ingest
        self.next = FIRST

    def add(self, events: int) -> None:
        if not self.enabled:
            return
        self.stored += events
        if self.stored >= self.next:
            self.refresh(grown_only=True)
            self.next = self.stored + LOOK_EVERY

    def finish(self) -> None:
        if self.enabled and self.stored >= FIRST:
            self.refresh(grown_only=False)

    def refresh(self, *, grown_only: bool) -> None:
        tables = [self.store.recorder.events_table_name, "feed_event", "feed_claim"]
        tables.append(moments.TABLE)
        views: list[str] = []
        with self.store.engine.begin() as conn:
            live = [view for p in self.projectors if (view := p.live_view()) is not None]
            names = [[table.name for table in view.metadata.sorted_tables] for view in live]
            if grown_only:
                grown = _grown(conn, tables + [name for each in names for name in each])
                tables = [name for name in tables if name in grown]
                names = [[name for name in each if name in grown] for each in names]
            for view, analyzed in zip(live, names, strict=True):
                if analyzed:  # not at every look: its DDL takes the schema lock
                    view.create_statistics(conn)  # a store made before they were kept
                    views += analyzed
            if tables:
                conn.exec_driver_sql("ANALYZE " + ", ".join(tables))
        # The read models are rewritten as they are projected (a version closed, a row
        # replaced), and their dead rows stay in the indexes until a vacuum: measured at a
        # million events, never vacuumed, a placements quarter took 33 ms, vacuumed 17 ms
        # (the vacuum took 3.5 s). The log's tables only grow: analyzed is enough.
        if views:
            autocommit = self.store.engine.execution_options(isolation_level="AUTOCOMMIT")
            with autocommit.connect() as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE) " + ", ".join(views))


def _grown(conn: Connection, names: list[str]) -> set[str]:
    found = conn.exec_driver_sql(
        _GROWN, {"names": names, "least": MIN_PAGES, "growth": GROWTH}
    ).scalars()
    return set(found)
