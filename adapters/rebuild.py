"""Rebuilding projections: all of them from one reading of the log, into a new generation
of tables beside the live one, switched to at the end (reports read the old generation
until then and never see a half-built model).

On a large log the aggregates are shared between this process and a second one
(adapters.rebuild_share): the second starts about half a second later (a fresh Python
importing volym), so this one takes a larger share."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Tracking
from sqlalchemy import delete

from adapters.composition import Volym
from adapters.gc_tuning import no_collection
from adapters.locks import rebuild_lock
from adapters.log_reader import Digits
from adapters.rebuild_share import ShareProcess, Target, fold_share, share_tracking_name
from adapters.sql import lock_schema, writing

if TYPE_CHECKING:
    from adapters.projector import Progress, Projector

# Below this many events a second process costs more than it saves.
PARALLEL_FROM = 60_000
# The last hex digits of the aggregate ids each process folds: this one takes more, as the
# other starts later.
SHARES: tuple[Digits, Digits] = ((0, 9), (9, 16))


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
            second = None
            if last >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2:
                second = ShareProcess(volym, targets, last, SHARES[1])
                stack.callback(second.close)
            with writing(volym.engine) as conn:
                lock_schema(conn)
                for projector, _, fresh in builds:
                    projector._empty(fresh, conn)
            _fold(volym, targets, last, second, progress)
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
    second: ShareProcess | None,
    progress: Progress | None,
) -> None:
    own = [0]

    def advance(n: int) -> None:
        own[0] += n
        if progress:
            progress(min(own[0] + (second.done() if second else 0), last), last)

    if second is None:
        fold_share(volym, targets, last, None, advance)
        return
    second.tables_ready()
    fold_share(volym, targets, last, SHARES[0], advance)
    second.join(advance)
    with writing(volym.engine) as conn:
        for _, view, name in targets:
            t = view.tracking_table
            names = [share_tracking_name(name, digits) for digits in SHARES]
            conn.execute(delete(t).where(t.c.name.in_(names)))
            view.record_tracking(conn, Tracking(name, last))
