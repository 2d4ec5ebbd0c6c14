"""Tracking of projections on SQLAlchemy, and the generations of their tables.

Rows and the tracking record are written in one transaction; a second attempt to record
the same notification is refused, so each event changes a view exactly once. Each rebuild
writes a new generation of a projection's tables beside the live one (suffix `_g<N>`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Self

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
    update,
)
from sqlalchemy.schema import CreateIndex, CreateTable

from adapters.eventstore.engine import control_table_exists, create_all, lock_schema, writing
from adapters.readmodels.plan import WritePlan
from adapters.readmodels.versions import History, Versions, one_of, statistics_ddl
from projections.batching import PositionMoved


class Failure(NamedTuple):
    name: str
    notification_id: int
    topic: str
    aggregate: str
    reason: str


def control_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Which generation of each projection is live, and how far each has processed."""
    generation = Table(
        "projection_generation",
        metadata,
        Column("projection", String(64), primary_key=True),
        Column("generation", Integer, nullable=False),
        Column("version", Integer, nullable=False),
    )
    tracking = Table(
        "projection_tracking",
        metadata,
        Column("name", String(96), primary_key=True),
        Column("notification_id", BigInteger, nullable=False),
    )
    return generation, tracking


def failure_table(metadata: MetaData) -> Table:
    """Events a projection could not apply (a second line of defence: the feed's bounds
    should let none through): which, and why. The projection went on without them."""
    return Table(
        "projection_failure",
        metadata,
        Column("name", String(96), primary_key=True),  # the tracking name: projection/g<N>
        # 0: found by a rebuild, which notes the aggregate, not the event's position
        Column("notification_id", BigInteger, primary_key=True),
        Column("topic", String(200), nullable=False),
        Column("aggregate", String(32), primary_key=True),
        Column("reason", String(300), nullable=False),
    )


# The control tables, described once: SQLAlchemy's statement cache knows a table by its
# identity, and described per call they made every status read compile its statements.
CONTROL = MetaData()
GENERATION_TABLE, TRACKING_TABLE = control_tables(CONTROL)
FAILURES = MetaData()
FAILURE_TABLE = failure_table(FAILURES)


class SqlTracking(TrackingRecorder):
    """Tracking rows in `projection_tracking`, one per projection generation."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.control = CONTROL
        self.generation_table, self.tracking_table = GENERATION_TABLE, TRACKING_TABLE
        self.failures = FAILURES
        self.failure_table = FAILURE_TABLE

    def create_control_tables(self) -> None:
        create_all(self.engine, self.control)

    def record_failures(
        self, failures: list[Failure], tracking: Tracking | None = None, after: int = 0
    ) -> None:
        """Note events or records a projection could not take; with `tracking`, move the
        view's position past them in the same transaction (as claim does)."""
        create_all(self.engine, self.failures)  # a store from before this table
        with writing(self.engine) as conn:
            if tracking is not None:
                self.claim(conn, tracking, after)
            unique = {(f.name, f.notification_id, f.aggregate): f for f in failures}
            for failure in unique.values():
                conn.execute(self.failure_table.insert().values(failure._asdict()))

    def failure_counts(self) -> dict[str, int]:
        """How many failures each generation (tracking name) has noted (read only)."""
        t = self.failure_table
        if not control_table_exists(self.engine, t.name):
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.c.name, func.count()).group_by(t.c.name))
            return {name: int(count) for name, count in rows}

    def failures_of(self, name: str) -> list[Failure]:
        """What the generation `name` could not take (read only)."""
        t = self.failure_table
        if not control_table_exists(self.engine, t.name):
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.name, t.c.notification_id, t.c.topic, t.c.aggregate, t.c.reason)
                .where(t.c.name == name)
                .order_by(t.c.notification_id, t.c.aggregate)
            )
            return [Failure(*row) for row in rows]

    def insert_tracking(self, tracking: Tracking) -> None:
        with writing(self.engine) as conn:
            self.record_tracking(conn, tracking)

    def claim(self, conn: Connection, tracking: Tracking, after: int) -> None:
        """Record `tracking` if the view is still at `after`; else raise PositionMoved.
        Taken first in a write transaction, it serializes projectors of the same view."""
        name = tracking.application_name
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))
        t = self.tracking_table
        current = conn.execute(select(t.c.notification_id).where(t.c.name == name)).scalar()
        if (current or 0) != after:
            raise PositionMoved(f"{name} is at {current}, not {after}")
        self.record_tracking(conn, tracking)

    def record_tracking(self, conn: Connection, tracking: Tracking) -> None:
        t = self.tracking_table
        moved = conn.execute(
            update(t)
            .where(t.c.name == tracking.application_name)
            .where(t.c.notification_id < tracking.notification_id)
            .values(notification_id=tracking.notification_id)
        ).rowcount
        if moved:
            return
        exists = conn.execute(
            select(t.c.notification_id).where(t.c.name == tracking.application_name)
        ).first()
        if exists is not None:
            raise IntegrityError(
                f"{tracking.application_name} already processed notification "
                f"{exists[0]} >= {tracking.notification_id}"
            )
        conn.execute(
            t.insert().values(
                name=tracking.application_name, notification_id=tracking.notification_id
            )
        )

    def max_tracking_id(self, application_name: str) -> int | None:
        t = self.tracking_table
        with self.engine.connect() as conn:
            value = conn.execute(
                select(t.c.notification_id).where(t.c.name == application_name)
            ).scalar()
        return int(value) if value is not None else None


class SqlGenerationView(SqlTracking):
    """One generation of a projection's tables, with the shared tracking table."""

    def __init__(self, engine: Engine, generation: int, metadata: MetaData) -> None:
        super().__init__(engine)
        self.generation = generation
        self.metadata = metadata
        self.histories: list[History] = []  # the versions of the tables reports read

    # Tables (names without the generation's suffix) that earlier volym versions kept in
    # this view's generations and this one does not.
    retired: tuple[str, ...] = ()

    def versions(self) -> Versions:
        """An empty set of versions of this view's records (adapters.readmodels.versions)."""
        raise NotImplementedError

    def gathered(self, versions: Versions | None, records: Iterable[Any], at: int) -> Versions:
        """`versions` as given; without them the batch is one commit, and each record's
        version is its state at the batch's end, position `at`."""
        if versions is not None:
            return versions
        versions = self.versions()
        for record in records:
            versions.snapshot(record, at)
        return versions

    def planned(self, records: Sequence[Any], versions: Versions | None, at: int) -> WritePlan:
        """The write of `records` (the aggregates' states at position `at`) and their
        `versions` (as `gathered`), as a plan to apply with `write_plan`."""
        raise NotImplementedError

    def write_plan(self, plan: WritePlan, tracking: Tracking, *, after: int) -> None:
        """Apply `plan` with `tracking`, in one transaction, if the view is still at
        `after` (else PositionMoved, and nothing is written)."""
        with writing(self.engine) as conn:
            self.claim(conn, tracking, after)
            plan.apply(conn, dict(self.metadata.tables), self.histories)

    def identity(self) -> Table:
        """The table naming each aggregate: its key, source and feed id, first."""
        raise NotImplementedError

    def names(self, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Each aggregate's source and id in its feed, by hex key: all that explain shows
        of one (loading the whole records took a sixth of an explain's time)."""
        key, source, ident = list(self.identity().columns)[:3]
        wanted = one_of(key, list(keys), self.engine.dialect.name)  # one statement
        with self.engine.connect() as conn:
            return {k: (s, i) for k, s, i in conn.execute(select(key, source, ident).where(wanted))}

    def at(self, position: int, keys: Sequence[str] | None = None) -> Self:
        """This view as reports read it at a log position: the rows current then (of the
        aggregates `keys`, hex, only, when given)."""
        raise NotImplementedError

    def create_tables(self) -> None:
        self.create_control_tables()
        create_all(self.engine, self.metadata)

    def create_statistics(self, conn: Connection) -> None:
        """The history tables' extended statistics (versions.statistics_ddl), on PostgreSQL;
        if they are not there yet: an existing store gets them at its next large ingest."""
        if conn.dialect.name == "postgresql" and self.histories:
            lock_schema(conn)
            for history in self.histories:
                for ddl in statistics_ddl(history):
                    conn.exec_driver_sql(ddl)

    def create_bare_tables(self, conn: Connection) -> None:
        """The tables and their keys only: a rebuild fills them first and then creates the
        other indexes (create_indexes), faster than keeping those up to date row by row.
        In the caller's transaction: on SQLite each transaction that changes the schema
        costs a sync of the log (measured 11 ms), so a rebuild makes all its changes in one."""
        for table in self.metadata.sorted_tables:
            conn.execute(CreateTable(table, if_not_exists=True))

    def create_indexes(self, conn: Connection) -> None:
        """The indexes of the filled tables, and on PostgreSQL their statistics: a new
        generation's tables are not analyzed until autovacuum comes by (never, where it is
        off), and reports on a rebuilt ten-million-event store were planned for empty
        tables (a household quarter 1.8 s, 1.3 s analyzed)."""
        tables = self.metadata.sorted_tables
        for table in tables:
            for index in table.indexes:
                # IF NOT EXISTS rather than a look first: SQLAlchemy cannot read back an
                # index on an expression (the versions' positions) from SQLite.
                conn.execute(CreateIndex(index, if_not_exists=True))
        if conn.dialect.name == "postgresql":
            self.create_statistics(conn)
            conn.exec_driver_sql("ANALYZE " + ", ".join(table.name for table in tables))

    def drop_tables(self, conn: Connection | None = None) -> None:
        """This generation's tables, and those an earlier volym made for it that this one
        no longer has (`retired`): a generation built by it is dropped by this one."""
        if conn is None:
            with writing(self.engine) as own:
                self.drop_tables(own)
            return
        self.metadata.drop_all(conn)
        for name in self.retired:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}_g{self.generation}")
