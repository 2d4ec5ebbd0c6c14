"""Keeps the placement read model up to date with the event store, in batches.

Catch-up reads the notification log after the view's tracking position, many events per
transaction (not the library's one transaction per event). Rebuild writes a new generation
of tables aside, catches it up, then switches the live pointer in one transaction: reports
read the old generation until then and never see a half-built model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Recording, Tracking
from sqlalchemy import select

from adapters.composition import Volym
from adapters.placement_view import SqlPlacementView
from adapters.sql import writing
from domain.placement import Placement
from projections.placements import PROJECTION_NAME, PROJECTION_VERSION, project_batch

BATCH = 20000
Progress = Callable[[int, int], None]  # (processed so far, total)

_TOPIC_PREFIX = Placement.__module__ + ":Placement."


class PlacementProjector:
    def __init__(self, volym: Volym) -> None:
        self.volym = volym
        self._live: SqlPlacementView | None = None

    def live_view(self) -> SqlPlacementView:
        """The generation reports read; created on first use, rebuilt if its code changed."""
        if self._live is None:
            control = SqlPlacementView(self.volym.engine, 0)
            control.create_control_tables()
            g = control.generation_table
            with self.volym.engine.connect() as conn:
                row = conn.execute(
                    select(g.c.generation, g.c.version).where(g.c.projection == PROJECTION_NAME)
                ).first()
            if row is None:
                view = SqlPlacementView(self.volym.engine, 1)
                view.create_tables()
                with writing(self.volym.engine) as conn:
                    conn.execute(
                        g.insert().values(
                            projection=PROJECTION_NAME, generation=1, version=PROJECTION_VERSION
                        )
                    )
                self._live = view
            elif row.version != PROJECTION_VERSION:
                self._live = self.rebuild()
            else:
                self._live = SqlPlacementView(self.volym.engine, row.generation)
        return self._live

    def tracking_name(self, view: SqlPlacementView) -> str:
        return f"{PROJECTION_NAME}/g{view.generation}"

    def catch_up(
        self, view: SqlPlacementView | None = None, progress: Progress | None = None
    ) -> int:
        """Process every stored event the view has not seen; returns how many."""
        view = view or self.live_view()
        name = self.tracking_name(view)
        recorder = self.volym.recorder
        position = view.max_tracking_id(name) or 0
        last = recorder.max_notification_id() or 0
        total = max(last - position, 0)
        done = 0
        while position < last:
            notifications = recorder.select_notifications(
                position, BATCH, stop=last, inclusive_of_start=False
            )
            if not notifications:
                break
            mapper = self.volym.events.mapper
            domain_events = [
                mapper.to_domain_event(n)
                for n in notifications
                if n.topic.startswith(_TOPIC_PREFIX)
            ]
            position = notifications[-1].id
            project_batch(view, domain_events, Tracking(name, position))
            done += len(notifications)
            if progress:
                progress(done, total)
        return done

    def project_recordings(self, recordings: Sequence[Recording[UUID]]) -> None:
        """Project events this process just stored without reading them back, when they
        directly follow the view's position; otherwise catch up from the log."""
        if not recordings:
            return
        view = self.live_view()
        name = self.tracking_name(view)
        ids = [r.notification.id for r in recordings]
        contiguous = ids == list(range(ids[0], ids[0] + len(ids)))
        if contiguous and (view.max_tracking_id(name) or 0) == ids[0] - 1:
            events: list[Any] = [r.domain_event for r in recordings]
            project_batch(view, events, Tracking(name, ids[-1]))
        else:
            self.catch_up(view)

    def rebuild(self, progress: Progress | None = None) -> SqlPlacementView:
        control = SqlPlacementView(self.volym.engine, 0)
        control.create_control_tables()
        g, t = control.generation_table, control.tracking_table
        with self.volym.engine.connect() as conn:
            current = conn.execute(
                select(g.c.generation).where(g.c.projection == PROJECTION_NAME)
            ).scalar()
        fresh = SqlPlacementView(self.volym.engine, (current or 0) + 1)
        fresh.drop_tables()  # leftovers of a rebuild that was killed midway
        fresh.create_tables()
        with writing(self.volym.engine) as conn:
            conn.execute(t.delete().where(t.c.name == self.tracking_name(fresh)))
        self.catch_up(fresh, progress)
        with writing(self.volym.engine) as conn:
            values = {"generation": fresh.generation, "version": PROJECTION_VERSION}
            if current is None:
                conn.execute(g.insert().values(projection=PROJECTION_NAME, **values))
            else:
                conn.execute(g.update().where(g.c.projection == PROJECTION_NAME).values(**values))
        self.catch_up(fresh)  # events stored while switching
        if current is not None:
            old = SqlPlacementView(self.volym.engine, current)
            old.drop_tables()
            with writing(self.volym.engine) as conn:
                conn.execute(t.delete().where(t.c.name == self.tracking_name(old)))
        self._live = fresh
        return fresh
