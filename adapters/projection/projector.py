"""Keeps a read model up to date with the event store, in batches.

Catch-up reads the notification log after the view's tracking position, many events per
transaction (not the library's one transaction per event). Rebuilding (a new generation
aside, then switched to) is adapters.projection.rebuild's; a projector only writes when
asked to catch up or to save snapshots, never when a reader asks for its view."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Tracking
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import StaticPool

from adapters.eventstore.engine import lock_schema, once_per_engine, writing
from adapters.eventstore.log_reader import EventDecoder, Positioned, read_rows
from adapters.eventstore.moments import Commits, commits
from adapters.eventstore.store import Row, Store
from adapters.projection.generations import live_generation, live_generation_in, set_live
from adapters.projection.kind import AnyProjection, Projection, R, V
from adapters.projection.versioning import fold_versioned, needed_keys
from adapters.readmodels.plan import WritePlan
from adapters.readmodels.tracking import Failure, SqlTracking
from adapters.readmodels.versions import Versions
from projections.batching import PositionMoved

BATCH = 20000
Progress = Callable[[int, int], None]  # (processed so far, total)


def view_of(projection: Projection[V, R], engine: Engine, generation: int) -> V:
    """The view of a generation on `engine`, the same object each time (views hold no state
    but their tables)."""
    key = ("view", projection.name, generation)
    return once_per_engine(engine, key, lambda: projection.view(engine, generation))


def tracking_name(projection: str, generation: int) -> str:
    return f"{projection}/g{generation}"


def memory_view(projection: Projection[V, R]) -> V:
    """A generation of the projection's tables in an in-memory SQLite database."""
    view = projection.view(create_engine("sqlite://", poolclass=StaticPool), 1)
    view.create_tables()
    return view


class Projector(Generic[V, R]):
    def __init__(self, store: Store, projection: Projection[V, R]) -> None:
        self.store = store
        self.projection = projection
        self._live: V | None = None
        self._decoder = EventDecoder(store.events.mapper, projection.topic_prefix)

    @property
    def name(self) -> str:
        return self.projection.name

    def live_view(self) -> V | None:
        """The generation reports read, whatever code version built it; None before any
        writer projected anything. Reads only."""
        if self._live is None:
            current = live_generation(self.store.engine, self.projection.name)
            if current is not None:
                self._live = view_of(self.projection, self.store.engine, current.generation)
        return self._live

    def readable_view(self) -> V:
        """The live view, or an empty model when there is none yet."""
        return self.live_view() or memory_view(self.projection)

    def use(self, view: V) -> None:
        """From now on `view` is the live generation (after a rebuild switched to it)."""
        self._live = view

    def writable_view(self) -> V:
        """The live view, its first generation created if there is none (a writer)."""
        view = self.live_view()
        if view is not None:
            return view
        engine, projection = self.store.engine, self.projection
        SqlTracking(engine).create_control_tables()
        # Under the schema lock, so that two processes starting on a fresh store agree on
        # one first generation.
        with writing(engine) as conn:
            lock_schema(conn)
            current = live_generation_in(conn, projection.name)
            if current is None:
                first = projection.view(engine, 1)
                first.metadata.create_all(conn)
                first.create_statistics(conn)
                set_live(conn, projection.name, 1, projection.version, first=True)
        self._live = None
        view = self.live_view()
        assert view is not None
        return view

    def tracking_name(self, view: V) -> str:
        return tracking_name(self.projection.name, view.generation)

    def position(self, view: V) -> int:
        """The last notification the view has processed."""
        return view.max_tracking_id(self.tracking_name(view)) or 0

    def catch_up(
        self,
        view: V | None = None,
        progress: Progress | None = None,
        limit: int | None = None,
    ) -> int:
        """Process the stored events the view has not seen (at least `limit` of them when
        given, in whole batches); returns how many."""
        view = view or self.writable_view()
        name = self.tracking_name(view)
        recorder = self.store.recorder
        position = self.position(view)
        last = recorder.max_notification_id() or 0
        total = max(last - position, 0)
        done = 0
        while position < last:
            size = BATCH if limit is None else min(BATCH, limit)
            rows = read_rows(recorder, position, size, upto=last)
            if not rows:
                break
            try:
                project_rows(
                    self.projection,
                    view,
                    self._decoder,
                    rows,
                    name,
                    after=position,
                    commits=log_commits(self.store, position, rows[-1][0]),
                )
            except PositionMoved:
                position = self.position(view)  # another process did these
                continue
            position = rows[-1][0]
            done += len(rows)
            if limit is not None and done >= limit:
                break
            if progress:
                progress(done, total)
        return done

    def versions(self) -> Versions:
        """An empty set of versions for the live view's history tables."""
        return self.writable_view().versions()

    def project_snapshots(
        self, ids: Sequence[int], records: Iterable[R], versions: Versions | None = None
    ) -> bool:
        """Write aggregates' rows from their state after the events `ids`, and `versions`
        (their states at the ends of the commits among `ids`), when those directly follow
        the view's position; False (nothing written) otherwise, and the caller catches up
        from the log instead."""
        return self.write_planned(ids, self.plan_snapshots(ids, records, versions))

    def plan_snapshots(
        self, ids: Sequence[int], records: Iterable[R], versions: Versions | None = None
    ) -> WritePlan | None:
        """What project_snapshots writes, as a plan to hand to `write_planned` (in another
        process, too); None where it cannot be written (`ids` not one stretch of the log,
        a record it cannot write), and the log is caught up from instead."""
        if not ids or ids[-1] - ids[0] != len(ids) - 1:
            return None if ids else WritePlan()
        try:
            return self.writable_view().planned(list(records), versions, ids[-1])
        except Exception:  # a record it cannot write: catch-up finds the event, notes it
            return None

    def write_planned(self, ids: Sequence[int], plan: WritePlan | None) -> bool:
        """Apply a plan of the snapshots after the events `ids`, when those directly follow
        the view's position; False (nothing written) otherwise."""
        if not ids:
            return True
        if plan is None:
            return False
        view = self.writable_view()
        try:
            view.write_plan(plan, Tracking(self.tracking_name(view), ids[-1]), after=ids[0] - 1)
        except PositionMoved:
            return False
        except Exception:  # a row it cannot write: catch-up finds the event, notes it
            return False
        return True


AnyProjector = Projector[Any, Any]


def project_rows(
    projection: Projection[V, R],
    view: V,
    decoder: EventDecoder,
    rows: Sequence[Row],
    name: str,
    *,
    after: int,
    commits: Commits,
    keep: Callable[[DomainEvent], bool] | None = None,
) -> None:
    """Project stored rows (those `keep` accepts) with the tracking of the last, keeping a
    version of each record at the end of each commit (`commits`: those holding the rows).
    An event the projection cannot take is noted as a failure, with the tracking past it,
    and the others are projected: a second line of defence, since the feed's bounds should
    let no such event through."""
    try:
        positions, events = _chosen(decoder.decode_at(rows), keep)
        _project(projection, view, positions, events, Tracking(name, rows[-1][0]), after, commits)
        return
    except PositionMoved:
        raise
    except Exception:  # find the event, note it, go on
        pass
    position = after
    for row in rows:
        tracking = Tracking(name, row[0])
        try:
            positions, events = _chosen(decoder.decode_at([row]), keep)
            _project(projection, view, positions, events, tracking, position, commits)
        except PositionMoved:
            raise
        except Exception as error:
            failure = Failure(name, row[0], row[3][-200:], _hex(row[1]), failure_reason(error))
            view.record_failures([failure], tracking, after=position)
        position = row[0]


def _chosen(found: Positioned, keep: Callable[[DomainEvent], bool] | None) -> Positioned:
    if keep is None:
        return found
    pairs = [(p, e) for p, e in zip(*found, strict=True) if keep(e)]
    return [p for p, _ in pairs], [e for _, e in pairs]


def _project(
    projection: Projection[V, R],
    view: V,
    positions: list[int],
    events: list[DomainEvent],
    tracking: Tracking,
    after: int,
    commits: Commits,
) -> None:
    """Load the records the events touch, fold them commit by commit, and write the
    touched records and their versions with `tracking`."""
    records = projection.load(view, needed_keys(events, projection.created)) if events else {}
    versions = view.versions()
    versions.splits = commits.splits_at(after)
    touched = fold_versioned(records, positions, events, commits, projection.apply, versions)
    chosen = [records[key] for key in touched if key in records]
    projection.save(view, chosen, tracking, after=after, versions=versions)


def log_commits(store: Store, after: int, upto: int) -> Commits:
    """The commits that hold the log's positions after..upto."""
    with store.engine.connect() as conn:
        return commits(conn, after, upto)


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


def failure_reason(error: BaseException) -> str:
    """The error's kind and first line, short: no row content (rows hold pseudonyms)."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else ""
    return f"{type(error).__name__}: {first}"[:300]


def projectors(store: Store, projections: Iterable[AnyProjection]) -> dict[str, AnyProjector]:
    """One projector per projection, by name."""
    return {p.name: Projector(store, p) for p in projections}
