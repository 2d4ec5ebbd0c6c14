"""Projections kept live by a long-running process (`volym serve`), and their lag.

The library's ProjectionRunner waits on LISTEN/NOTIFY without a timeout (a lost
notification stalls it) and writes one transaction per event. Here a notification only
wakes the loop early: it polls every `poll` seconds anyway, and each wake-up catches every
projection up in batches. Exactly once per event comes from the tracking record written
with each batch; no event is skipped because PostgreSQL inserts hold a lock that makes
commit order equal notification order (so a projector never reads past a gap)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from adapters.eventstore.engine import control_table_exists
from adapters.eventstore.store import Store, pg_connect
from adapters.projection.generations import live_generations
from adapters.projection.projector import AnyProjector, tracking_name
from adapters.readmodels.tracking import SqlTracking

if TYPE_CHECKING:
    import psycopg

# Whether the live projector may step now, held while it does (see LiveProjections.run).
Turn = Callable[[], AbstractContextManager[bool]]


@dataclass(frozen=True)
class ProjectionStatus:
    projection: str
    generation: int
    version: int  # of the live tables
    code_version: int  # of this volym: a difference means a rebuild is due
    position: int  # the last notification the projection has processed
    head: int  # the last notification stored
    failures: int = 0  # events it could not apply (named by `volym verify`)

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)

    @property
    def stale(self) -> bool:
        return self.version != self.code_version


def status(store: Store, projectors: dict[str, AnyProjector]) -> list[ProjectionStatus]:
    """Read only: what each projection's live generation has processed."""
    head = store.recorder.max_notification_id() or 0
    live = live_generations(store.engine)
    control = SqlTracking(store.engine)
    t = control.tracking_table
    failures = control.failure_counts()
    positions: dict[str, int] = {}
    if control_table_exists(store.engine, t.name):
        with store.engine.connect() as conn:
            positions = {
                row.name: int(row.notification_id)
                for row in conn.execute(select(t.c.name, t.c.notification_id))
            }
    result = []
    for name, projector in projectors.items():
        row = live.get(name)
        generation = row.generation if row is not None else 0
        result.append(
            ProjectionStatus(
                name,
                generation,
                row.version if row is not None else 0,
                projector.projection.version,
                positions.get(tracking_name(name, generation), 0),
                head,
                failures.get(tracking_name(name, generation), 0),
            )
        )
    return result


class LiveProjections:
    def __init__(self, store: Store, projectors: dict[str, AnyProjector], poll: float = 1.0):
        self.store = store
        self.poll = poll
        self.projectors = projectors
        # Where the event store announces new events (PostgreSQL only).
        self.channel: str | None = getattr(store.recorder, "channel_name", None)

    def start(self) -> None:
        """Bring every projection to its current code version (rebuilt aside if it
        changed) before following the log."""
        # The rebuild (and multiprocessing) loads here: `status` and reports need the rest
        # of this module, and a report's start-up is counted (issue 15).
        from adapters.projection.rebuild import ensure_current

        ensure_current(self.store, self.projectors.values())

    def step(self) -> dict[str, int]:
        """Catch every projection up; how many events each processed."""
        return {name: p.catch_up() for name, p in self.projectors.items()}

    def run(
        self,
        stop: threading.Event,
        on_step: Callable[[dict[str, int]], None] | None = None,
        turn: Turn | None = None,
    ) -> None:
        """`turn`: where a writer in this process projects its own commits (volym serve's
        ingest), a step is taken only when it says so, holding the writer's projecting
        off meanwhile; else both would read and project the same events."""
        self.start()
        listener = self._listen()
        try:
            while not stop.is_set():
                if turn is None:
                    done = self.step()
                else:
                    with turn() as mine:
                        done = self.step() if mine else {}
                if on_step is not None and any(done.values()):
                    on_step(done)
                self._wait(listener, stop)
        finally:
            if listener is not None:
                listener.close()

    def _listen(self) -> psycopg.Connection[Any] | None:
        if not self.store.is_postgres or self.channel is None:
            return None  # SQLite has no notifications: polling it is cheap
        from psycopg.sql import SQL, Identifier

        conn = pg_connect(self.store.url)
        conn.execute(SQL("LISTEN {0}").format(Identifier(self.channel)))
        return conn

    def _wait(self, listener: psycopg.Connection[Any] | None, stop: threading.Event) -> None:
        if listener is None:
            stop.wait(self.poll)
            return
        for _ in listener.notifies(timeout=self.poll, stop_after=1):
            pass  # one is enough: the step reads everything stored since
