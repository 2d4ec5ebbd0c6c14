"""Keeps a read model up to date with the event store, in batches.

Catch-up reads the notification log after the view's tracking position, many events per
transaction (not the library's one transaction per event). Rebuilding (a new generation
aside, then switched to) is adapters.projection.rebuild's; a projector only writes when
asked to catch up or to save snapshots, never when a reader asks for its view."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic

from eventsourcing.persistence import Tracking
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from adapters.eventstore.engine import lock_schema, writing
from adapters.eventstore.log_reader import EventDecoder, read_rows
from adapters.eventstore.store import Store
from adapters.projection.generations import live_generation, live_generation_in, set_live
from adapters.projection.kind import AnyProjection, Projection, R, V
from adapters.readmodels.tracking import SqlTracking
from projections.batching import PositionMoved

BATCH = 20000
Progress = Callable[[int, int], None]  # (processed so far, total)


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
                self._live = self.projection.view(self.store.engine, current.generation)
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
                projection.view(engine, 1).metadata.create_all(conn)
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
                self.projection.project_batch(
                    view, self._decoder.decode(rows), Tracking(name, rows[-1][0]), after=position
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

    def project_snapshots(self, ids: Sequence[int], records: Iterable[R]) -> bool:
        """Write aggregates' rows from their state after the events `ids`, when those
        directly follow the view's position; False (nothing written) otherwise, and the
        caller catches up from the log instead."""
        if not ids:
            return True
        view = self.writable_view()
        if ids[-1] - ids[0] != len(ids) - 1:
            return False
        try:
            self.projection.save(
                view, list(records), Tracking(self.tracking_name(view), ids[-1]), after=ids[0] - 1
            )
        except PositionMoved:
            return False
        return True


AnyProjector = Projector[Any, Any]


def projectors(store: Store, projections: Iterable[AnyProjection]) -> dict[str, AnyProjector]:
    """One projector per projection, by name."""
    return {p.name: Projector(store, p) for p in projections}
