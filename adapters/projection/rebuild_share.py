"""One share of a rebuild: the events of some of the aggregates, folded into records that
are written to the new generation's tables. A rebuild of a large log runs its shares at
once, in as many processes (adapters.projection.rebuild): each aggregate's events all go
to one share, and the projections' rows depend on one aggregate each, so shares never touch
the same rows.

Each projection's records are kept in memory across batches and each written once at the
end, rather than every batch writing and reading back the records it touched (measured at
200 000 events: 9.1 s against 6.4 s). Memory stays bounded on any log: past RECORD_LIMIT
records, all are written out with the share's tracking record and events after that load
theirs back."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as EventType
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Tracking

from adapters.errors import UserError
from adapters.eventstore.engine import writing
from adapters.eventstore.log_reader import EventDecoder, read_rows
from adapters.eventstore.moments import Commits
from adapters.eventstore.store import Digits, Store, open_store
from adapters.projection.children import end_with_parent
from adapters.projection.gc_tuning import no_collection
from adapters.projection.kind import AnyProjection, Record
from adapters.projection.projector import failure_reason, log_commits
from adapters.projection.versioning import fold_versioned, needed_keys
from adapters.readmodels.tracking import Failure, SqlGenerationView

READ_BATCH = 20000
RECORD_LIMIT = 250_000
VERSION_LIMIT = 150_000  # versions gathered per projection before they are written out

# A projection, its new generation, and that generation's tracking name.
Target = tuple[AnyProjection, SqlGenerationView, str]


def share_tracking_name(name: str, digits: Digits) -> str:
    return f"{name}@{digits[0]}-{digits[1]}"


class _Build:
    """One projection's records in one share while it is built."""

    def __init__(
        self, projection: AnyProjection, view: SqlGenerationView, tracking_name: str, name: str
    ):
        self.projection, self.view, self.tracking_name = projection, view, tracking_name
        self.name = name  # the generation's own tracking name: failures are noted under it
        self.records: dict[UUID, Record] = {}
        self.written_out = False  # once true, records not in memory are in the tables
        self.failures: list[Failure] = []
        self.versions = view.versions()  # of the records, at each commit's end

    def fold(
        self, positions: Sequence[int], events: Sequence[DomainEvent], commits: Commits, after: int
    ) -> None:
        self.versions.splits |= commits.splits_at(after)  # for versions written out already
        if self.written_out:  # records written out are loaded back when touched again
            needed = needed_keys(events, self.projection.created) - self.records.keys()
            if needed:
                self.records.update(self.projection.load(self.view, needed))
        fold_versioned(self.records, positions, events, commits, self._apply, self.versions)
        if self.versions.size > VERSION_LIMIT:  # memory stays bounded on any log
            with writing(self.view.engine) as conn:
                self.versions.write(conn)
            self.versions.close_all = True

    def _apply(self, records: dict[UUID, Record], event: DomainEvent) -> None:
        try:
            self.projection.apply(records, event)
        except Exception as error:  # noted, and the rebuild goes on (as catch-up does)
            topic = f"{type(event).__module__}:{type(event).__qualname__}"
            self.failures.append(
                Failure(self.name, 0, topic, event.originator_id.hex, failure_reason(error))
            )

    def write_out(self, position: int, after: int) -> None:
        records = list(self.records.values())
        tracking = Tracking(self.tracking_name, position)
        try:
            self.projection.save(self.view, records, tracking, after=after, versions=self.versions)
            if self.failures:
                self.view.record_failures(self.failures)
        except Exception:
            self._write_one_by_one(records, position, after)
        self.failures = []
        self.records.clear()
        self.written_out = True
        self.versions = self.view.versions()
        self.versions.close_all = True

    def _write_one_by_one(self, records: list[Record], position: int, after: int) -> None:
        """A record the tables cannot take is noted and left out. Each record was touched
        by an event after `after`, so there are positions enough to step through."""
        previous = after
        for n, record in enumerate(records, start=1):
            at = position if n == len(records) else after + n
            step = Tracking(self.tracking_name, at)
            try:
                self.projection.save(self.view, [record], step, after=previous)
            except Exception as error:
                failure = Failure(self.name, 0, "(record)", record.key.hex, failure_reason(error))
                self.view.record_failures([failure], step, after=previous)
            previous = at
        self.view.record_failures(self.failures)


def fold_share(
    store: Store,
    targets: Sequence[Target],
    last: int,
    digits: Digits | None,
    advance: Callable[[int], None] | None = None,
    before_writing: Callable[[], object] | None = None,
) -> None:
    """Fold the share's events up to `last` into every target; `advance(n)` after each
    batch of n events read; `before_writing()` before the first write."""
    builds = [
        _Build(projection, view, share_tracking_name(name, digits) if digits else name, name)
        for projection, view, name in targets
    ]
    prefixes = tuple(projection.topic_prefix for projection, _, _ in targets)
    decoder = EventDecoder(store.events.mapper, prefixes)
    position = written = 0
    while rows := read_rows(store.recorder, position, READ_BATCH, upto=last, digits=digits):
        split = decoder.by_prefix_at(rows)
        commits = log_commits(store, position, rows[-1][0])
        for build, (positions, events) in zip(builds, split, strict=True):
            build.fold(positions, events, commits, position)
        position = rows[-1][0]
        if sum(len(build.records) for build in builds) > RECORD_LIMIT:
            if before_writing and not written:
                before_writing()
            for build in builds:
                build.write_out(position, after=written)
            written = position
        if advance:
            advance(len(rows))
    if position > written:
        if before_writing and not written:
            before_writing()
        for build in builds:
            build.write_out(position, after=written)


def share_process(
    url: str,
    generations: Sequence[tuple[AnyProjection, int, str]],  # projection, generation, tracking
    last: int,
    digits: Digits,
    done: Synchronized[int],  # events read
    tables_ready: EventType,  # the new generation's tables exist
) -> None:
    """The second process of a rebuild (spawned: see adapters.ingest.helper on fork). It
    opens the store as it is: a rebuild needs no pseudonym key."""
    end_with_parent()
    with no_collection(), open_store(url) as store:
        targets: list[Target] = [
            (projection, projection.view(store.engine, generation), tracking)
            for projection, generation, tracking in generations
        ]

        def advance(n: int) -> None:
            with done.get_lock():
                done.value += n

        def wait_for_tables() -> None:
            tables_ready.wait()  # for ever only while the rebuild lives (end_with_parent)

        fold_share(store, targets, last, digits, advance, before_writing=wait_for_tables)


class ShareProcess:
    """A second process folding one share. It is started before the new tables exist,
    since starting it takes about half a second; it writes only after `tables_ready`."""

    def __init__(self, store: Store, targets: Sequence[Target], last: int, digits: Digits):
        context = multiprocessing.get_context("spawn")
        self._done = context.Value("q", 0)
        self._ready = context.Event()
        generations = [(projection, view.generation, name) for projection, view, name in targets]
        url = store.url.render_as_string(hide_password=False)
        self._process = context.Process(
            target=share_process,
            args=(url, generations, last, digits, self._done, self._ready),
            daemon=True,
        )
        self._process.start()

    def tables_ready(self) -> None:
        self._ready.set()

    def done(self) -> int:
        """Events read so far."""
        return int(self._done.value)

    def join(self, advance: Callable[[int], None]) -> None:
        """Wait for it to finish, calling advance(0) now and then (progress)."""
        while self._process.is_alive():
            self._process.join(0.25)
            advance(0)
        if self._process.exitcode != 0:
            raise UserError(
                "the second rebuild process stopped unexpectedly; the live projections are "
                "unchanged: run volym rebuild again"
            )

    def close(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
