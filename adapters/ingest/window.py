"""Projecting what an ingest committed straight from the records its preparer made,
without reading the events back from the log."""

from __future__ import annotations

from uuid import UUID

from adapters.projection.kind import Record
from adapters.projection.projector import AnyProjector
from adapters.readmodels.versions import Versions


class SnapshotWindow:
    """Snapshots of the aggregates of consecutive committed batches, written together per
    projection: the latest snapshot of an aggregate replaces the earlier ones, so it is
    written once per window. Every projection's tracking moves over the whole window."""

    def __init__(self, projectors: dict[str, AnyProjector], every: int) -> None:
        """`every`: events committed between flushes (the caller may flush sooner)."""
        self.projectors = projectors
        self.every = every
        self.ids: list[int] = []
        self.records: dict[str, dict[UUID, Record]] = {name: {} for name in projectors}
        self.versions: dict[str, Versions] = {}

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
        if self.ids:
            for name, projector in self.projectors.items():
                records, versions = self.records[name].values(), self.versions.get(name)
                if not projector.project_snapshots(self.ids, records, versions):
                    projector.catch_up()
        self.ids = []
        self.records = {name: {} for name in self.projectors}
        self.versions = {}
