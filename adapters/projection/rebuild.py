"""Rebuilding projections: all of them from one reading of the log, into a new generation
of tables beside the live one, switched to at the end (reports read the old generation
until then and never see a half-built model).

On a large log the aggregates are shared between this process and others, one per core up
to MAX_PROCESSES (adapters.projection.rebuild_share): the others start about half a second
later (a fresh Python importing volym), so this one takes a larger share."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy import Connection, delete, inspect

from adapters.eventstore.engine import lock_schema, writing
from adapters.eventstore.store import Digits, Store
from adapters.projection.gc_tuning import no_collection
from adapters.projection.generations import live_generation, set_live
from adapters.projection.locks import rebuild_lock
from adapters.projection.projector import AnyProjector, Progress, tracking_name
from adapters.projection.rebuild_share import ShareProcess, Target, fold_share, share_tracking_name
from adapters.readmodels.tracking import SqlGenerationView

# Below this many events a second process costs more than it saves.
PARALLEL_FROM = 60_000
# On SQLite the processes take turns to write; more than this gained nothing measurable.
MAX_PROCESSES = 4
# Events this process folds while another starts (measured: 0.5 s at about 90 000/s).
LATE_START = 45_000


def shares(processes: int, events: int) -> list[Digits]:
    """The last hex digits of the aggregate ids each process folds, this one's first. The
    others start about half a second late (a fresh Python importing volym), in which this
    one folds some LATE_START events: it takes its even share of the rest and those."""
    lag = LATE_START * (processes - 1) / max(events, 1)
    own = min(max(round(16 * (1 + lag) / processes), 1), 16 - (processes - 1))
    rest = processes - 1
    bounds = [0, own] + [own + (16 - own) * k // rest for k in range(1, rest + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(processes)]


def _processes(events: int) -> int:
    if events < PARALLEL_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_PROCESSES))


def ensure_current(store: Store, projectors: Iterable[AnyProjector]) -> None:
    """Before a writer follows the log: every projection has a live generation built by
    this code version (rebuilt aside where its code changed)."""
    chosen = list(projectors)
    for projector in chosen:
        projector.writable_view()
    rebuild_together(store, chosen, only_if_stale=True)


class _Build:
    """One projection's new generation while it is built."""

    def __init__(self, projector: AnyProjector, current: int | None) -> None:
        self.projector = projector
        self.current = current
        self.fresh: SqlGenerationView = projector.projection.view(
            projector.store.engine, (current or 0) + 1
        )

    @property
    def target(self) -> Target:
        return (self.projector.projection, self.fresh, self.projector.tracking_name(self.fresh))

    def empty(self, conn: Connection) -> None:
        """Make the new generation's tables empty, at position 0 (in `conn`'s transaction):
        a rebuild killed midway may have left some behind."""
        fresh = self.fresh
        fresh.drop_tables(conn)
        fresh.create_bare_tables(conn)  # indexed in make_live
        t = fresh.tracking_table
        name = self.projector.tracking_name(fresh)  # with its shares'
        conn.execute(t.delete().where((t.c.name == name) | t.c.name.startswith(name + "@")))
        _forget_failures(conn, fresh, name)

    def make_live(self, conn: Connection) -> None:
        self.fresh.create_indexes(conn)
        projection = self.projector.projection
        set_live(
            conn,
            projection.name,
            self.fresh.generation,
            projection.version,
            first=self.current is None,
        )

    def drop_old(self, conn: Connection) -> None:
        if self.current is None:
            return
        projection = self.projector.projection
        old = projection.view(self.projector.store.engine, self.current)
        old.drop_tables(conn)
        t = old.tracking_table
        name = tracking_name(projection.name, self.current)
        conn.execute(t.delete().where(t.c.name == name))
        _forget_failures(conn, old, name)


def _forget_failures(conn: Connection, view: SqlGenerationView, name: str) -> None:
    f = view.failure_table
    if inspect(conn).has_table(f.name):
        conn.execute(f.delete().where(f.c.name == name))


def rebuild_together(
    store: Store,
    chosen: Sequence[AnyProjector],
    progress: Progress | None = None,
    *,
    only_if_stale: bool = False,
) -> list[Any]:
    """Rebuild projections from one reading of the log: each batch is read and decoded
    once and each projection given its own events. One rebuild of a projection at a time
    (a lock each); with `only_if_stale`, a projection whose live generation was built by
    this code version (maybe by the rebuild this one waited for) is kept. Returns each
    projector's live view afterwards."""
    with ExitStack() as stack:
        stack.enter_context(no_collection())
        for projector in chosen:
            stack.enter_context(rebuild_lock(store, projector.name))
        builds: list[_Build] = []
        for projector in chosen:
            live = live_generation(store.engine, projector.name)
            if only_if_stale and live is not None and live.version == projector.projection.version:
                projector.use(projector.projection.view(store.engine, live.generation))
            else:
                builds.append(_Build(projector, live.generation if live else None))
        if builds:
            targets = [build.target for build in builds]
            last = store.recorder.max_notification_id() or 0
            split = shares(_processes(last), last)
            others = [ShareProcess(store, targets, last, digits) for digits in split[1:]]
            for other in others:
                stack.callback(other.close)
            with writing(store.engine) as conn:
                lock_schema(conn)
                for build in builds:
                    build.empty(conn)
            _fold(store, targets, last, split, others, progress)
            _switch(store, builds)
        return [projector.live_view() for projector in chosen]


def _switch(store: Store, builds: list[_Build]) -> None:
    """Every new generation live in one transaction; then the events stored meanwhile;
    then the old generations dropped (reports that began before the switch may still be
    reading them)."""
    with writing(store.engine) as conn:
        lock_schema(conn)
        for build in builds:
            build.make_live(conn)
    for build in builds:
        build.projector.use(build.fresh)
        build.projector.catch_up(build.fresh)
    with writing(store.engine) as conn:
        lock_schema(conn)
        for build in builds:
            build.drop_old(conn)


def _fold(
    store: Store,
    targets: list[Target],
    last: int,
    split: list[Digits],
    others: list[ShareProcess],
    progress: Progress | None,
) -> None:
    own = [0]

    def advance(n: int) -> None:
        own[0] += n
        if progress:
            progress(min(own[0] + sum(other.done() for other in others), last), last)

    if not others:
        fold_share(store, targets, last, None, advance)
        return
    for other in others:
        other.tables_ready()
    fold_share(store, targets, last, split[0], advance)
    for other in others:
        other.join(advance)
    with writing(store.engine) as conn:
        for _, view, name in targets:
            t = view.tracking_table
            names = [share_tracking_name(name, digits) for digits in split]
            conn.execute(delete(t).where(t.c.name.in_(names)))
            view.record_tracking(conn, Tracking(name, last))
