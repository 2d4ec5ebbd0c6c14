"""Ingestion of feed lines: validate, deduplicate, apply the aggregates' rules, store in
batches (events and their idempotency keys in one transaction), then project.

Each line is accepted, skipped as a duplicate, or rejected with every reason found;
a bad line never costs a good one."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from adapters.background import BackgroundProjector
from adapters.composition import Volym
from adapters.eventstore import FeedKey
from adapters.feed import ParsedLine
from adapters.ingest_parsing import ParsedBatch, parsed_batches
from adapters.projector import PlacementProjector
from domain.errors import RuleViolation
from domain.placement import Placement, placement_key

BATCH_LINES = 2000
CACHE_SIZE = 200_000
_RETRIES = 5


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


class Ingestor:
    def __init__(self, volym: Volym, projector: PlacementProjector | None = None) -> None:
        self.volym = volym
        self.projector = projector or PlacementProjector(volym)
        self._cache: OrderedDict[UUID, Placement] = OrderedDict()

    def ingest(
        self,
        lines: Iterable[str | bytes],
        on_reject: Callable[[Rejection], None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> IngestSummary:
        total = IngestSummary()
        self.projector.catch_up()  # so events written now can be projected straight away
        background: BackgroundProjector | None = None
        with ExitStack() as stack:
            for parsed in parsed_batches(_batches(lines), self.volym.pseudonymizer):
                if background is None and parsed.large:
                    # A large input: the projection follows in its own process.
                    background = stack.enter_context(BackgroundProjector(self.volym))
                result = self._store_batch(parsed, project=background is None)
                if background is not None:
                    background.poke()
                for rejection in result.rejections:
                    if on_reject:
                        on_reject(rejection)
                result.rejections = [] if on_reject else result.rejections
                total.add(result)
                if progress:
                    progress(parsed.size)
        return total

    def _store_batch(self, parsed: ParsedBatch, *, project: bool) -> IngestSummary:
        for attempt in range(_RETRIES):
            try:
                summary = self._apply_and_store(parsed.lines, project=project)
                break
            except IntegrityError:
                # Another writer stored the same key or placement version meanwhile.
                self._cache.clear()
                if attempt == _RETRIES - 1:
                    raise
        invalid = [Rejection(line_no, raw, reasons) for line_no, raw, reasons in parsed.invalid]
        summary.lines_read = parsed.size
        summary.rejected += len(invalid)
        summary.rejections = sorted(invalid + summary.rejections, key=lambda r: r.line_no)
        return summary

    def _apply_and_store(
        self, parsed: list[tuple[int, str, ParsedLine]], *, project: bool
    ) -> IngestSummary:
        summary = IngestSummary()
        seen = self.volym.recorder.feed_digests(
            (p.event.source, p.event.event_id) for _, _, p in parsed
        )
        self._load([placement_key(p.event.source, p.event.placement_id) for _, _, p in parsed])  # type: ignore[attr-defined]
        now = datetime.now(UTC)
        pending: list[Any] = []
        keys: list[FeedKey] = []
        touched: dict[UUID, Placement | None] = {}
        for line_no, raw, line in parsed:
            event = line.event
            key = (event.source, event.event_id)
            if key in seen:
                if seen[key] == line.digest:
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
                    summary.rejected += 1
                continue
            agg_id = placement_key(event.source, event.placement_id)  # type: ignore[attr-defined]
            if agg_id not in touched:
                touched[agg_id] = self._cache.get(agg_id)
            try:
                placement = self._command(self._cache.get(agg_id), event, now)
            except RuleViolation as violation:
                summary.rejections.append(Rejection(line_no, raw, [str(violation)]))
                summary.rejected += 1
                continue
            self._cache[agg_id] = placement
            new_events = placement.collect_events()
            keys.append(FeedKey(event.source, event.event_id, line.digest, len(pending)))
            pending.extend(new_events)
            seen[key] = line.digest
            summary.accepted += 1
        try:
            recordings = self.volym.events.put(pending, feed_keys=keys) if pending else []
        except IntegrityError:
            for agg_id in touched:
                self._cache.pop(agg_id, None)
            raise
        if project:
            self.projector.project_recordings(recordings)
        self._trim_cache()
        return summary

    def _command(self, placement: Placement | None, event: Any, now: datetime) -> Placement:
        recorded_at = event.recorded_at or now
        common = {
            "event_id": event.event_id,
            "recorded_at": recorded_at,
            "occurred_on": event.occurred_on,
        }
        kind = event.type  # a validated feed event, or its fields from the parse worker
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
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


def _batches(lines: Iterable[str | bytes]) -> Iterator[list[tuple[int, str | bytes]]]:
    batch: list[tuple[int, str | bytes]] = []
    for line_no, raw in enumerate(lines, start=1):
        text = raw.rstrip(b"\r\n") if isinstance(raw, bytes) else raw.rstrip("\r\n")
        if not text.strip():
            continue  # blank lines are ignored by the contract
        batch.append((line_no, text))
        if len(batch) >= BATCH_LINES:
            yield batch
            batch = []
    if batch:
        yield batch
