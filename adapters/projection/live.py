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
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

from adapters.composition import Volym, pg_connect
from adapters.projection.projector import Projector, projectors
from adapters.readmodels.tracking import SqlTracking


@dataclass(frozen=True)
class ProjectionStatus:
    projection: str
    generation: int
    version: int  # of the live tables
    code_version: int  # of this volym: a difference means a rebuild is due
    position: int  # the last notification the projection has processed
    head: int  # the last notification stored

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


def status(volym: Volym) -> list[ProjectionStatus]:
    """Read only: what each projection's live generation has processed."""
    control = SqlTracking(volym.engine)
    control.create_control_tables()
    g, t = control.generation_table, control.tracking_table
    head = volym.recorder.max_notification_id() or 0
    with volym.engine.connect() as conn:
        live = {row.projection: row for row in conn.execute(g.select())}
        positions = {row.name: row.notification_id for row in conn.execute(t.select())}
    result = []
    for name, projector in projectors(volym).items():
        row = live.get(name)
        generation = row.generation if row is not None else 0
        result.append(
            ProjectionStatus(
                name,
                generation,
                row.version if row is not None else 0,
                projector.kind.version,
                int(positions.get(f"{name}/g{generation}", 0)),
                head,
            )
        )
    return result


class LiveProjections:
    def __init__(self, volym: Volym, poll: float = 1.0) -> None:
        self.volym = volym
        self.poll = poll
        self.projectors: dict[str, Projector] = projectors(volym)
        # Where the event store announces new events (PostgreSQL only).
        self.channel: str | None = getattr(volym.recorder, "channel_name", None)

    def start(self) -> None:
        """Bring every projection to its current code version (rebuilt aside if it
        changed) before following the log."""
        for projector in self.projectors.values():
            projector.live_view()

    def step(self) -> dict[str, int]:
        """Catch every projection up; how many events each processed."""
        return {name: p.catch_up() for name, p in self.projectors.items()}

    def run(
        self, stop: threading.Event, on_step: Callable[[dict[str, int]], None] | None = None
    ) -> None:
        self.start()
        listener = self._listen()
        try:
            while not stop.is_set():
                done = self.step()
                if on_step is not None and any(done.values()):
                    on_step(done)
                self._wait(listener, stop)
        finally:
            if listener is not None:
                listener.close()

    def _listen(self) -> psycopg.Connection[Any] | None:
        if not self.volym.is_postgres or self.channel is None:
            return None  # SQLite has no notifications: polling it is cheap
        conn = pg_connect(self.volym.url)
        conn.execute(SQL("LISTEN {0}").format(Identifier(self.channel)))
        return conn

    def _wait(self, listener: psycopg.Connection[Any] | None, stop: threading.Event) -> None:
        if listener is None:
            stop.wait(self.poll)
            return
        for _ in listener.notifies(timeout=self.poll, stop_after=1):
            pass  # one is enough: the step reads everything stored since
