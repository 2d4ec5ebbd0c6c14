"""Preparing a parsed batch for the store: duplicates and conflicts found, the aggregates'
rules applied, the new events encoded with their idempotency keys.

One Preparer sees every batch of an ingest in order, so its cache of aggregates and of
the keys it has prepared is ahead of the store by the batches not yet committed. If a
commit fails because another writer got there first, `reset()` forgets all of it and the
uncommitted batches are prepared again from what the store holds then."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from adapters.composition import Volym
from adapters.eventstore import FeedKey
from adapters.ingest_parsing import ParsedBatch
from domain.errors import RuleViolation
from domain.placement import Placement, placement_key
from projections.placements import PlacementRecord, record_of

CACHE_SIZE = 200_000


@dataclass
class Rejection:
    line_no: int
    raw: str
    reasons: list[str]


@dataclass
class IngestSummary:
    lines_read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    def add(self, other: IngestSummary) -> None:
        self.lines_read += other.lines_read
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.rejections += other.rejections


@dataclass
class PreparedBatch:
    summary: IngestSummary
    stored: list[StoredEvent]
    keys: list[FeedKey]
    records: list[PlacementRecord]  # touched placements as they are after this batch


class Preparer:
    def __init__(self, volym: Volym) -> None:
        self.volym = volym
        self._cache: OrderedDict[UUID, Placement] = OrderedDict()
        self._prepared: dict[tuple[str, str], str] = {}  # keys prepared by this ingest

    def reset(self) -> None:
        self._cache.clear()
        self._prepared.clear()

    def prepare(self, parsed: ParsedBatch) -> PreparedBatch:
        summary = IngestSummary(lines_read=parsed.size)
        summary.rejections = [Rejection(n, raw, reasons) for n, raw, reasons in parsed.invalid]
        lines = parsed.lines
        prepared = self._prepared
        seen = self.volym.recorder.feed_digests(
            key
            for key in ((line.event.source, line.event.event_id) for _, _, line in lines)
            if key not in prepared
        )
        agg_ids = [
            placement_key(line.event.source, line.event.placement_id)  # type: ignore[attr-defined]
            for _, _, line in lines
        ]
        self._load(agg_ids)
        now = datetime.now(UTC)
        pending: list[Any] = []
        keys: list[FeedKey] = []
        touched: dict[UUID, bool] = {}  # placement -> existed before this batch
        cache = self._cache
        for (line_no, raw, line), agg_id in zip(lines, agg_ids, strict=True):
            event = line.event
            key = (event.source, event.event_id)
            earlier = prepared.get(key) or seen.get(key)
            if earlier is not None:
                if earlier == line.digest:
                    summary.duplicates += 1
                else:
                    summary.rejections.append(
                        Rejection(
                            line_no,
                            raw,
                            [
                                f"event_id: {event.event_id} from {event.source} was received "
                                "before with a different body (conflict); the stored event is kept"
                            ],
                        )
                    )
                continue
            existed = cache.get(agg_id)
            try:
                placement = _command(existed, event, now)
            except RuleViolation as violation:
                summary.rejections.append(Rejection(line_no, raw, [str(violation)]))
                continue
            cache[agg_id] = placement
            touched.setdefault(agg_id, existed is not None)
            keys.append(FeedKey(event.source, event.event_id, line.digest, len(pending)))
            pending.extend(placement.collect_events())
            prepared[key] = line.digest
            summary.accepted += 1
        summary.rejected = len(summary.rejections)
        summary.rejections.sort(key=lambda r: r.line_no)
        self._trim_cache()
        mapper = self.volym.events.mapper
        stored = [mapper.to_stored_event(e) for e in pending]
        records = [record_of(cache[key], persisted=old) for key, old in touched.items()]
        return PreparedBatch(summary, stored, keys, records)

    def _load(self, agg_ids: list[UUID]) -> None:
        missing = {i for i in agg_ids if i not in self._cache}
        if not missing:
            return
        for agg_id in self.volym.recorder.existing(missing):
            aggregate: Any = None
            domain_event: Any
            for domain_event in self.volym.events.get(agg_id):
                aggregate = domain_event.mutate(aggregate)
            self._cache[agg_id] = aggregate

    def _trim_cache(self) -> None:
        # Only aggregates far behind the batches in flight are dropped: they are stored.
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


def _command(placement: Placement | None, event: Any, now: datetime) -> Placement:
    common = {
        "event_id": event.event_id,
        "recorded_at": event.recorded_at or now,
        "occurred_on": event.occurred_on,
    }
    kind = event.type  # a validated feed event, or its fields from the helper process
    if kind == "placement.started":
        if placement is not None:
            raise RuleViolation(
                f"placement_id: placement {event.placement_id} from {event.source} was "
                "already started and cannot be started again"
            )
        person = event.person
        return Placement.start(
            source=event.source,
            placement_id=event.placement_id,
            **common,
            person=person.pseudonym,
            birth_date=person.birth_date,
            sex=person.sex,
            target_group=event.target_group,
            form=event.form,
            legal_basis=event.legal_basis,
            regi=event.regi,
            daily_cost=event.daily_cost,
            provider=event.provider,
            unaccompanied=event.unaccompanied,
            accompanying_children=event.accompanying_children,
        )
    if placement is None:
        raise RuleViolation(
            f"placement_id: unknown placement {event.placement_id} from {event.source} "
            "(no placement.started for it)"
        )
    if kind == "placement.changed":
        placement.change(
            **common,
            form=event.form,
            legal_basis=event.legal_basis,
            regi=event.regi,
            daily_cost=event.daily_cost,
            provider=event.provider,
        )
    elif kind == "placement.ended":
        placement.end(**common, reason=event.reason)
    elif kind == "placement.voided":
        placement.void(**common, reason=event.reason)
    return placement
