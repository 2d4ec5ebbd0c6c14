"""Use cases that keep the read models: rebuild, verify (reads only), serve."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from adapters.eventstore.store import Store
from adapters.projection.live import LiveProjections, Turn
from adapters.projection.projector import Progress, projectors
from adapters.projection.rebuild import rebuild_together
from adapters.projection.verify import verify as verify_projections
from adapters.streams import STREAMS


@dataclass(frozen=True)
class RebuildReceipt:
    generations: dict[str, int]  # each projection's new live generation
    events: int  # the log's length after the rebuild
    seconds: float


def rebuild(store: Store, progress: Progress | None = None) -> RebuildReceipt:
    """Every projection rebuilt aside from one reading of the log, then switched to."""
    started = time.perf_counter()
    chosen = list(projectors(store, STREAMS).values())
    views = rebuild_together(store, chosen, progress)
    elapsed = time.perf_counter() - started
    generations = {p.name: view.generation for p, view in zip(chosen, views, strict=True)}
    return RebuildReceipt(generations, store.recorder.max_notification_id() or 0, elapsed)


def verify(store: Store) -> list[str]:
    """Every projection rebuilt aside in memory, up to the position the live one has
    processed, and compared with it: one line per difference (empty: all equal)."""
    return verify_projections(store, projectors(store, STREAMS))


def serve(
    store: Store,
    stop: threading.Event,
    poll: float = 1.0,
    on_step: Callable[[dict[str, int]], None] | None = None,
    turn: Turn | None = None,
) -> None:
    """Keep every projection caught up with the log until `stop` is set (`turn`: see
    LiveProjections.run)."""
    live = LiveProjections(store, projectors(store, STREAMS), poll=poll)
    live.run(stop, on_step=on_step, turn=turn)


def listens(store: Store) -> bool:
    """Whether serve is woken by the store's notifications (PostgreSQL), not only polls."""
    return store.is_postgres
