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
from adapters.errors import UserError
from adapters.gc_tuning import no_collection
from adapters.locks import rebuild_lock
from adapters.log_reader import Digits
from adapters.rebuild_share import (
    Target,
    fold_share,
    share_tracking_name,
    start_share_process,
)
from adapters.sql import writing

if TYPE_CHECKING:
    from adapters.projector import Progress, Projector

# Below this many events a second process costs more than it saves.
PARALLEL_FROM = 60_000
# Of the 16 last hex digits of aggregate ids, this process folds those below the split.
SPLIT = 9


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
        kept: dict[int, Any] = {}
        builds: list[tuple[Projector, int | None, Any]] = []
        for index, projector in enumerate(chosen):
            current, version = projector._current()
            if only_if_stale and current is not None and version == projector.kind.version:
                kept[index] = projector._live = projector.kind.view(volym.engine, current)
            else:
                builds.append((projector, current, projector._fresh(current)))
        if builds:
            targets = [(p.kind, fresh, p.tracking_name(fresh)) for p, _, fresh in builds]
            _fold_all(volym, targets, progress)
        switched = iter([p._switch(fresh, current) for p, current, fresh in builds])
        return [kept[i] if i in kept else next(switched) for i in range(len(chosen))]


def _fold_all(volym: Volym, targets: list[Target], progress: Progress | None) -> None:
    last = volym.recorder.max_notification_id() or 0
    if last < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        fold_share(volym, targets, last, None, _counting(progress, last, lambda: 0))
        return
    shares: list[Digits] = [(0, SPLIT), (SPLIT, 16)]
    process, done = start_share_process(volym, targets, last, shares[1])
    advance = _counting(progress, last, lambda: done.value)
    try:
        fold_share(volym, targets, last, shares[0], advance)
        while process.is_alive():
            process.join(0.25)
            advance(0)
    finally:
        if process.is_alive():
            process.terminate()
    if process.exitcode != 0:
        raise UserError(
            "the second rebuild process stopped unexpectedly; the live projections are "
            "unchanged: run volym rebuild again"
        )
    with writing(volym.engine) as conn:
        for _, view, name in targets:
            t = view.tracking_table
            names = [share_tracking_name(name, digits) for digits in shares]
            conn.execute(delete(t).where(t.c.name.in_(names)))
            view.record_tracking(conn, Tracking(name, last))


def _counting(progress: Progress | None, last: int, others: Any) -> Any:
    own = [0]

    def advance(n: int) -> None:
        own[0] += n
        if progress:
            progress(min(own[0] + others(), last), last)

    return advance
