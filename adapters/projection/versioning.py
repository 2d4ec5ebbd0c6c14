"""Folding events commit by commit, so that the read model keeps a version of each record
at the end of every commit that touched it (adapters.readmodels.versions): the live
catch-up, replay in memory and the rebuild all fold this way, and so keep the same
versions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEvent

from adapters.eventstore.moments import Commits
from adapters.readmodels.versions import Versions

Apply = Callable[[dict[UUID, Any], DomainEvent], None]


def fold_versioned(
    records: dict[UUID, Any],
    positions: Sequence[int],
    events: Sequence[DomainEvent],
    commits: Commits,
    apply: Apply,
    versions: Versions,
) -> dict[UUID, None]:
    """Apply the events (at these log positions) to `records`, and at each commit's end
    take a version of the records it touched; returns the touched keys, in order."""
    touched: dict[UUID, None] = {}
    in_commit: dict[UUID, None] = {}
    commit = -1
    for position, event in zip(positions, events, strict=True):
        end = commits.end_of(position)
        if end != commit:
            _snapshot(records, in_commit, commit, versions)
            in_commit, commit = {}, end
        apply(records, event)
        in_commit[event.originator_id] = None
        touched[event.originator_id] = None
    _snapshot(records, in_commit, commit, versions)
    return touched


def _snapshot(
    records: dict[UUID, Any], keys: dict[UUID, None], commit: int, versions: Versions
) -> None:
    for key in keys:
        record = records.get(key)
        if record is not None:
            versions.snapshot(record, commit)


def needed_keys(events: Sequence[DomainEvent], created: type[DomainEvent]) -> set[UUID]:
    """The aggregates these events touch but do not begin: their records are loaded."""
    born = {e.originator_id for e in events if isinstance(e, created)}
    return {e.originator_id for e in events if e.originator_id not in born}
