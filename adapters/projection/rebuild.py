"""Rebuilding projections: all of them from one reading of the log, into a new generation
of tables beside the live one, switched to at the end (reports read the old generation
until then and never see a half-built model).

On a large log the aggregates are shared between this process and others, one per core up
to MAX_PROCESSES (adapters.projection.rebuild_share): the others start about half a second later (a
fresh Python importing volym), so this one takes a larger share."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Tracking
from sqlalchemy import delete

from adapters.composition import Volym
from adapters.eventstore.engine import lock_schema, writing
from adapters.eventstore.log_reader import Digits
from adapters.projection.gc_tuning import no_collection
from adapters.projection.locks import rebuild_lock
from adapters.projection.rebuild_share import ShareProcess, Target, fold_share, share_tracking_name

if TYPE_CHECKING:
    from adapters.projection.projector import Progress, Projector

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


def rebuild_together(
    volym: Volym,
    chosen: Sequence[Projector],
    progress: Progress | None = None,
    *,
    only_if_stale: bool = False,
) -> list[Any]:
    """Rebuild projections from one reading of the log: each batch is read and decoded
    once and each projection given its own events. One rebuild of a projection at a time
    (a lock each); with `only_if_stale`, a projection whose live generation was built by
    this code version (maybe by the rebuild this one waited for) is kept."""
    with ExitStack() as stack:
        stack.enter_context(no_collection())
        for projector in chosen:
            stack.enter_context(rebuild_lock(volym, projector.kind.name))
        builds: list[tuple[Projector, int | None, Any]] = []
        for projector in chosen:
            current, version = projector._current()
            if only_if_stale and current is not None and version == projector.kind.version:
                projector._live = projector.kind.view(volym.engine, current)
            else:
                fresh = projector.kind.view(volym.engine, (current or 0) + 1)
                builds.append((projector, current, fresh))
        if builds:
            targets = [(p.kind, fresh, p.tracking_name(fresh)) for p, _, fresh in builds]
            last = volym.recorder.max_notification_id() or 0
            split = shares(_processes(last), last)
            others = [ShareProcess(volym, targets, last, digits) for digits in split[1:]]
            for other in others:
                stack.callback(other.close)
            with writing(volym.engine) as conn:
                lock_schema(conn)
                for projector, _, fresh in builds:
                    projector._empty(fresh, conn)
            _fold(volym, targets, last, split, others, progress)
            _switch(builds)
        return [projector._live for projector in chosen]


def _switch(builds: list[tuple[Projector, int | None, Any]]) -> None:
    """Every new generation live in one transaction; then the events stored meanwhile;
    then the old generations dropped (reports that began before the switch may still be
    reading them)."""
    engine = builds[0][0].volym.engine
    with writing(engine) as conn:
        lock_schema(conn)
        for projector, current, fresh in builds:
            projector._make_live(fresh, current, conn)
    for projector, _, fresh in builds:
        projector._live = fresh
        projector.catch_up(fresh)
    with writing(engine) as conn:
        lock_schema(conn)
        for projector, current, _ in builds:
            if current is not None:
                projector._drop(current, conn)


def _fold(
    volym: Volym,
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
        fold_share(volym, targets, last, None, advance)
        return
    for other in others:
        other.tables_ready()
    fold_share(volym, targets, last, split[0], advance)
    for other in others:
        other.join(advance)
    with writing(volym.engine) as conn:
        for _, view, name in targets:
            t = view.tracking_table
            names = [share_tracking_name(name, digits) for digits in split]
            conn.execute(delete(t).where(t.c.name.in_(names)))
            view.record_tracking(conn, Tracking(name, last))
