"""Projecting what an ingest committed straight from the records its preparer made,
without reading the events back from the log."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from uuid import UUID

from adapters.projection.kind import Record
from adapters.projection.projector import AnyProjector
from adapters.readmodels.plan import WritePlan
from adapters.readmodels.versions import Versions

Plans = dict[str, WritePlan | None]  # a window's write, by projection (None: catch up)
Send = Callable[[list[int], Plans], None]  # where a window's plans go, with its positions


class SnapshotWindow:
    """Snapshots of the aggregates of consecutive committed batches, written together per
    projection: the latest snapshot of an aggregate replaces the earlier ones, so it is
    written once per window. Every projection's tracking moves over the whole window.

    `background`: a full window is written by a thread of its own while the caller goes
    on (the ingest helper, preparing the next batches). Most of a write is the database's
    work, done without the interpreter lock, and the helper is the busier of an ingest's
    two processes: writing in its one thread took over a quarter of its time (sampled). One
    window is written at a time, in log order: the next write waits for the last."""

    def __init__(
        self,
        projectors: dict[str, AnyProjector],
        every: int,
        *,
        background: bool = False,
        send: Send | None = None,
    ) -> None:
        """`every`: events committed between flushes (the caller may flush sooner).
        `send`: a window is not written here but planned, and its plans handed to `send`
        (the ingest helper's: to the main process, which writes them with `write_plans`)."""
        self.projectors = projectors
        self._send = send
        self.every = every
        self.ids: list[int] = []
        self.records: dict[str, dict[UUID, Record]] = {name: {} for name in projectors}
        self.versions: dict[str, Versions] = {}
        self._writer = ThreadPoolExecutor(1, "projecting") if background else None
        self._written: Future[None] | None = None

    def add(self, ids: list[int], records: dict[str, list[Record]]) -> None:
        if ids and self.ids and ids[0] != self.ids[-1] + 1:
            self.flush()  # another writer's events lie between: project in log order
        self.ids.extend(ids)
        for name, touched in records.items():
            if ids and touched:  # each record's version at the end of this commit
                versions = self.versions.get(name)
                if versions is None:
                    versions = self.versions[name] = self.projectors[name].versions()
                for record in touched:
                    versions.snapshot(record, ids[-1])
            window = self.records[name]
            for record in touched:
                earlier = window.get(record.key)
                if earlier is not None:
                    # Rows exist in the view only if they existed before the window began.
                    record.absorb(earlier)
                window[record.key] = record
        if len(self.ids) >= self.every:
            self.flush()

    def flush(self) -> None:
        """Write the window (in the background: start writing it, once the last write is
        done; `wait` for it). A failed background write is raised here or by `wait`."""
        ids, records, versions = self._take()
        if not ids:
            return
        if self._send is not None:
            self._send(ids, _planned(self.projectors, ids, records, versions))
        elif self._writer is None:
            _write(self.projectors, ids, records, versions)
        else:
            self.wait()
            self._written = self._writer.submit(_write, self.projectors, ids, records, versions)

    def wait(self) -> None:
        """Until the window handed to the background is written; what failed, raised."""
        written, self._written = self._written, None
        if written is not None:
            written.result()

    def discard(self) -> None:
        """After a failure: what the window holds is dropped, and a write under way is
        waited for (what it raises too: the caller has a failure to report already)."""
        self._take()
        # What it raises is a second failure: the caller tells the first.
        with suppress(Exception):
            self.wait()

    def _take(
        self,
    ) -> tuple[list[int], dict[str, dict[UUID, Record]], dict[str, Versions]]:
        """What the window holds, leaving it empty."""
        taken = self.ids, self.records, self.versions
        self.ids, self.records, self.versions = [], {name: {} for name in self.projectors}, {}
        return taken

    def close(self) -> None:
        """No more windows: the background thread ends (after its write)."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)


def _write(
    projectors: dict[str, AnyProjector],
    ids: list[int],
    records: dict[str, dict[UUID, Record]],
    versions: dict[str, Versions],
) -> None:
    for name, projector in projectors.items():
        touched: Iterable[Record] = records[name].values()
        if not projector.project_snapshots(ids, touched, versions.get(name)):
            projector.catch_up()


def _planned(
    projectors: dict[str, AnyProjector],
    ids: list[int],
    records: dict[str, dict[UUID, Record]],
    versions: dict[str, Versions],
) -> Plans:
    return {
        name: projector.plan_snapshots(ids, records[name].values(), versions.get(name))
        for name, projector in projectors.items()
    }


def write_plans(projectors: dict[str, AnyProjector], ids: list[int], plans: Plans) -> None:
    """A window planned elsewhere (`send`), written; where a plan cannot be (none made, the
    view moved on), the view catches up from the log instead."""
    for name, projector in projectors.items():
        if not projector.write_planned(ids, plans.get(name)):
            projector.catch_up()
