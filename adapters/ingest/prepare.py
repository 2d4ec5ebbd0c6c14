"""Preparing a parsed batch for the store: duplicates and conflicts found, the aggregates'
rules applied, the new events encoded with their idempotency keys.

One Preparer sees every batch of an ingest in order, so its cache of aggregates and of
the keys it has prepared is ahead of the store by the batches not yet committed. If a
commit fails because another writer got there first, `reset()` forgets all of it and the
uncommitted batches are prepared again from what the store holds then."""

from __future__ import annotations

from collections import ChainMap, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import StoredEvent

from adapters.eventstore.feed_keys import Claim, FeedKey
from adapters.eventstore.log_reader import EventDecoder, read_rows_of
from adapters.eventstore.store import Store
from adapters.feed.parsing import ParsedBatch
from adapters.ingest.stream import AnyIngestStream
from adapters.projection.kind import Record
from domain.errors import RuleViolation

CACHE_SIZE = 200_000
# Keys and claims this ingest prepared are remembered for at least this many batches: more
# than are ever in flight past the last commit (a command-line ingest's 9, a server's 8),
# so a line's duplicate in a batch not yet committed is still found. Older ones are in the
# store.
REMEMBERED_BATCHES = 16

K = TypeVar("K")


class _Recent(Generic[K]):
    """A dict that forgets what was set more than two generations ago. Held whole, the
    keys of a ten-million-event ingest took about 400 bytes an event in the helper."""

    def __init__(self) -> None:
        self.new: dict[K, str] = {}
        self.old: dict[K, str] = {}

    def get(self, key: K) -> str | None:
        found = self.new.get(key)
        return found if found is not None else self.old.get(key)

    def __contains__(self, key: K) -> bool:
        return key in self.new or key in self.old

    def __setitem__(self, key: K, value: str) -> None:
        self.new[key] = value

    def maps(self) -> list[dict[K, str]]:
        """Its two dicts, newer first: to be looked up through, not copied."""
        return [self.new, self.old]

    def turn(self) -> None:
        self.old, self.new = self.new, {}

    def clear(self) -> None:
        self.new.clear()
        self.old.clear()


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
    claims: list[Claim]
    # Touched aggregates as they are after this batch, as records of their projection.
    records: dict[str, list[Record]]


class Preparer:
    def __init__(
        self, store: Store, streams: Sequence[AnyIngestStream], *, shared: bool = False
    ) -> None:
        """`shared`: other writers store events of the same aggregates now and then (an
        HTTP server's processes, a command-line ingest beside a server): cached aggregates
        are checked against the store's versions before each batch, in one query, and
        those the store is ahead of are loaded again."""
        self.store = store
        self.shared = shared
        self.streams = {stream.aggregate: stream for stream in streams}
        self._cache: OrderedDict[UUID, Aggregate] = OrderedDict()
        # Keys and claims prepared by this ingest, of the last batches (the store has the rest)
        self._prepared: _Recent[tuple[str, str]] = _Recent()
        self._claimed: _Recent[tuple[str, str, str]] = _Recent()
        self._batches = 0
        # Every topic; the ids of the aggregates read back are not kept (they would hold
        # hundreds of thousands of them in a large ingest).
        self._decoder = EventDecoder(store.events.mapper, "", remembered_ids=0)

    def reset(self) -> None:
        self._cache.clear()
        self._prepared.clear()
        self._claimed.clear()

    def prepare(self, parsed: ParsedBatch) -> PreparedBatch:
        summary = IngestSummary(lines_read=parsed.size)
        summary.rejections = [Rejection(n, raw, reasons) for n, raw, reasons in parsed.invalid]
        lines = parsed.lines
        prepared = self._prepared
        events = [line.event for _, _, line in lines]
        streams = [self.streams[event.type.partition(".")[0]] for event in events]
        agg_ids = [
            stream.key(event.source, getattr(event, stream.id_field))
            for stream, event in zip(streams, events, strict=True)
        ]
        self._load(agg_ids)
        # Keys after aggregates: a writer that committed in between stored its events and
        # their keys together, so a line whose aggregate was loaded from that commit is
        # seen as the duplicate it is, not refused by the aggregate ("started again").
        seen = self.store.recorder.feed_digests(
            key
            for key in ((line.event.source, line.event.event_id) for _, _, line in lines)
            if key not in prepared
        )
        wanted = [
            (event.source, name, value)
            for stream, event in zip(streams, events, strict=True)
            for name, value in stream.claims(event)
        ]
        # The store's claims and this ingest's recent ones, looked up through both: copied
        # into one dict, a households ingest's recent payment ids took 6 % of the helper.
        claimed = ChainMap(
            self.store.recorder.claimed(c for c in wanted if c not in self._claimed),
            *self._claimed.maps(),
        )
        claims: list[Claim] = []
        now = datetime.now(UTC)
        pending: list[DomainEvent] = []
        keys: list[FeedKey] = []
        touched: dict[UUID, tuple[AnyIngestStream, bool]] = {}  # -> its stream, existed before
        new_events: dict[UUID, list[DomainEvent]] = {}
        cache = self._cache
        for (line_no, raw, line), stream, agg_id in zip(lines, streams, agg_ids, strict=True):
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
            own_claims = [(event.source, name, value) for name, value in stream.claims(event)]
            taken = [c for c in own_claims if claimed.get(c, agg_id.hex) != agg_id.hex]
            if taken:
                summary.rejections.append(Rejection(line_no, raw, [_taken(c) for c in taken]))
                continue
            existed = cache.get(agg_id)
            try:
                aggregate = stream.command(existed, event, now)
            except RuleViolation as violation:
                summary.rejections.append(Rejection(line_no, raw, [str(violation)]))
                continue
            for claim in own_claims:
                if claim not in claimed:
                    self._claimed[claim] = agg_id.hex  # seen through `claimed` too
                    claims.append(Claim(*claim, agg_id.hex))
            cache[agg_id] = aggregate
            cache.move_to_end(agg_id)  # recently used: trimmed last
            touched.setdefault(agg_id, (stream, existed is not None))
            keys.append(FeedKey(event.source, event.event_id, line.digest, len(pending)))
            new = aggregate.collect_events()
            new_events.setdefault(agg_id, []).extend(new)
            pending.extend(new)
            prepared[key] = line.digest
            summary.accepted += 1
        summary.rejected = len(summary.rejections)
        summary.rejections.sort(key=lambda r: r.line_no)
        mapper = self.store.events.mapper
        stored = [mapper.to_stored_event(e) for e in pending]
        records: dict[str, list[Record]] = {}
        for agg_id, (stream, old) in touched.items():
            records.setdefault(stream.name, []).append(
                stream.record(cache[agg_id], persisted=old, events=new_events[agg_id])
            )
        # Only now: an aggregate this batch touched may be the oldest in the cache (seen
        # at a million events: trimmed before its record was made, a KeyError).
        self._trim_cache()
        self._batches += 1
        if self._batches % REMEMBERED_BATCHES == 0:
            self._prepared.turn()
            self._claimed.turn()
        return PreparedBatch(summary, stored, keys, claims, records)

    def _load(self, agg_ids: list[UUID]) -> None:
        if self.shared:
            cached = {i for i in agg_ids if i in self._cache}
            for agg_id, version in self.store.recorder.versions(cached).items():
                # Only behind is stale. Ahead is this preparer's own batches prepared but
                # not yet committed (a pipeline prepares ahead of its commits); if another
                # writer took the same version meanwhile, the commit fails and resets.
                if self._cache[agg_id].version < version:
                    del self._cache[agg_id]
        missing = {i for i in agg_ids if i not in self._cache}
        if not missing:
            return
        # The stored ones among them (the rest are new), read in one query per few thousand
        # rather than one each: past the cache's size an ingest reloads some of its
        # aggregates, more the larger the store (an aggregate's events span months of a
        # feed whose months hold more aggregates the more municipalities it has).
        rows = read_rows_of(self.store.recorder, self.store.recorder.existing(missing))
        folded: dict[UUID, Any] = {}
        # In log order, so each aggregate's events come in version order. Folded as the
        # library's Repository does: each event's mutate takes the aggregate it built so
        # far (None before the first).
        for domain_event in self._decoder.decode(rows):
            agg_id = domain_event.originator_id
            folded[agg_id] = cast(Aggregate.Event, domain_event).mutate(folded.get(agg_id))
        self._cache.update(folded)

    def _trim_cache(self) -> None:
        # Only aggregates far behind the batches in flight are dropped: they are stored.
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)


def _taken(claim: tuple[str, str, str]) -> str:
    source, name, value = claim
    return (
        f"{name}: {value} from {source} is already used by another aggregate of the stream "
        f"({name} is unique within a source)"
    )
