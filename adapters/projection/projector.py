"""Keeps a read model up to date with the event store, in batches.

Catch-up reads the notification log after the view's tracking position, many events per
transaction (not the library's one transaction per event). Rebuild writes a new generation
of tables aside, catches it up, then switches the live pointer in one transaction: reports
read the old generation until then and never see a half-built model."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy import Connection, select

from adapters.composition import Volym
from adapters.eventstore.engine import lock_schema, writing
from adapters.eventstore.log_reader import EventDecoder, read_rows
from adapters.projection.kinds import PROJECTIONS, ProjectionKind
from adapters.readmodels.tracking import SqlTracking
from projections.batching import PositionMoved

BATCH = 20000
Progress = Callable[[int, int], None]  # (processed so far, total)


class Projector:
    def __init__(self, volym: Volym, kind: ProjectionKind) -> None:
        self.volym = volym
        self.kind = kind
        self._live: Any = None
        self._decoder = EventDecoder(volym.events.mapper, kind.topic_prefix)

    def live_view(self) -> Any:
        """The generation reports read; created on first use, rebuilt if its code changed."""
        if self._live is None:
            kind = self.kind
            control = SqlTracking(self.volym.engine)
            control.create_control_tables()
            g = control.generation_table
            query = select(g.c.generation, g.c.version).where(g.c.projection == kind.name)
            with self.volym.engine.connect() as conn:
                row = conn.execute(query).first()
            if row is None:
                # First use: under the schema lock, so that two processes starting on a
                # fresh store agree on one first generation.
                with writing(self.volym.engine) as conn:
                    lock_schema(conn)
                    row = conn.execute(query).first()
                    if row is None:
                        kind.view(self.volym.engine, 1).metadata.create_all(conn)
                        conn.execute(
                            g.insert().values(
                                projection=kind.name, generation=1, version=kind.version
                            )
                        )
                        row = conn.execute(query).first()
                assert row is not None
            if row.version != kind.version:
                self._live = self.rebuild(only_if_stale=True)
            else:
                self._live = kind.view(self.volym.engine, row.generation)
        return self._live

    def tracking_name(self, view: Any) -> str:
        return f"{self.kind.name}/g{view.generation}"

    def catch_up(
        self,
        view: Any = None,
        progress: Progress | None = None,
        limit: int | None = None,
    ) -> int:
        """Process the stored events the view has not seen (at least `limit` of them when
        given, in whole batches); returns how many."""
        view = view or self.live_view()
        name = self.tracking_name(view)
        recorder = self.volym.recorder
        position = view.max_tracking_id(name) or 0
        last = recorder.max_notification_id() or 0
        total = max(last - position, 0)
        done = 0
        while position < last:
            size = BATCH if limit is None else min(BATCH, limit)
            rows = read_rows(recorder, position, size, upto=last)
            if not rows:
                break
            try:
                self.kind.project_batch(
                    view, self._decoder.decode(rows), Tracking(name, rows[-1][0]), after=position
                )
            except PositionMoved:
                position = view.max_tracking_id(name) or 0  # another process did these
                continue
            position = rows[-1][0]
            done += len(rows)
            if limit is not None and done >= limit:
                break
            if progress:
                progress(done, total)
        return done

    def project_snapshots(self, ids: Sequence[int], records: Iterable[Any]) -> bool:
        """Write aggregates' rows from their state after the events `ids`, when those
        directly follow the view's position; False (nothing written) otherwise, and the
        caller catches up from the log instead."""
        if not ids:
            return True
        view = self.live_view()
        name = self.tracking_name(view)
        if ids[-1] - ids[0] != len(ids) - 1:
            return False
        try:
            self.kind.save(view, list(records), Tracking(name, ids[-1]), ids[0] - 1)
        except PositionMoved:
            return False
        return True

    def rebuild(self, progress: Progress | None = None, *, only_if_stale: bool = False) -> Any:
        """Build the next generation aside, catch it up, switch to it (see
        rebuild_together)."""
        from adapters.projection.rebuild import rebuild_together  # it drives projectors

        return rebuild_together(self.volym, [self], progress, only_if_stale=only_if_stale)[0]

    def _current(self) -> tuple[int | None, int | None]:
        """The live generation and the code version it was built by (None: none yet)."""
        control = SqlTracking(self.volym.engine)
        control.create_control_tables()
        g = control.generation_table
        with self.volym.engine.connect() as conn:
            row = conn.execute(
                select(g.c.generation, g.c.version).where(g.c.projection == self.kind.name)
            ).first()
        return (row.generation, row.version) if row is not None else (None, None)

    def _empty(self, fresh: Any, conn: Connection) -> None:
        """Make `fresh`'s tables empty, at position 0 (in the caller's transaction)."""
        fresh.drop_tables(conn)  # leftovers of a rebuild that was killed midway
        fresh.create_bare_tables(conn)  # indexed in _make_live
        t = fresh.tracking_table
        name = self.tracking_name(fresh)  # with its shares' (adapters.projection.rebuild_share)
        conn.execute(t.delete().where((t.c.name == name) | t.c.name.startswith(name + "@")))

    def _make_live(self, fresh: Any, current: int | None, conn: Connection) -> None:
        """Index `fresh` and make it the live generation (in the caller's transaction)."""
        kind, g = self.kind, fresh.generation_table
        fresh.create_indexes(conn)
        values = {"generation": fresh.generation, "version": kind.version}
        if current is None:
            conn.execute(g.insert().values(projection=kind.name, **values))
        else:
            conn.execute(g.update().where(g.c.projection == kind.name).values(**values))

    def _drop(self, generation: int, conn: Connection) -> None:
        old = self.kind.view(self.volym.engine, generation)
        old.drop_tables(conn)
        t = old.tracking_table
        conn.execute(t.delete().where(t.c.name == self.tracking_name(old)))


def projectors(volym: Volym) -> dict[str, Projector]:
    """One projector per projection, by name."""
    return {kind.name: Projector(volym, kind) for kind in PROJECTIONS}
