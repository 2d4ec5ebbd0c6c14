"""Ingestion of feed lines: validate, deduplicate, apply the aggregates' rules, store in
batches (events and their idempotency keys in one transaction), then project.

Each line is accepted, skipped as a duplicate, or rejected with every reason found; a bad
line never costs a good one. A small input is handled in this process; a large one is
parsed and committed here, and prepared and projected by a helper process
(adapters.ingest.helper).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import chain

from eventsourcing.persistence import IntegrityError

from adapters.eventstore.store import Store
from adapters.feed.contract import FeedContract
from adapters.feed.identity import Pseudonymizer
from adapters.feed.parsing import Batch, batches, parse_batch
from adapters.ingest.helper import IngestHelper, PackedBatch, pack_parsed
from adapters.ingest.prepare import IngestSummary, PreparedBatch, Preparer, Rejection
from adapters.ingest.statistics import Statistics
from adapters.ingest.stream import AnyIngestStream
from adapters.ingest.window import SnapshotWindow, write_plans
from adapters.projection.gc_tuning import batch_collection
from adapters.projection.projector import projectors
from adapters.projection.rebuild import ensure_current

__all__ = ["IngestSummary", "Ingestor", "Rejection", "commit"]

log = logging.getLogger(__name__)

BATCH_LINES = 2000
FIRST_BATCH_LINES = 500  # a large ingest's pipeline waits for its first batch
PROJECT_EVERY = 20_000  # events committed between projection steps of a large ingest
USE_HELPER = True  # tests turn it off and on to compare both paths
_RETRIES = 5  # commit conflicts with other writers, per batch
# Batches prepared ahead by the helper. This process writes the projections' windows, and
# meanwhile commits nothing: with 3 the helper then ran out of work (bench_ingest on SQLite,
# 200 000 events: mixed 0.86 -> 0.90x the library's saves, placements 0.79 -> 0.84x with
# 8; 16 gave no more). Keep below prepare.REMEMBERED_BATCHES.
_AHEAD = 8


class Ingestor:
    def __init__(
        self,
        store: Store,
        pseudonymizer: Pseudonymizer,
        streams: Sequence[AnyIngestStream],
    ) -> None:
        self.store = store
        self.pseudonymizer = pseudonymizer
        self.streams = list(streams)
        self.contract = FeedContract([model for s in streams for model in s.feed_events])
        self.projectors = projectors(store, streams)
        self.preparer = Preparer(store, streams)
        self.statistics = Statistics(store, self.projectors.values())

    def ingest(
        self,
        lines: Iterable[str | bytes],
        on_reject: Callable[[Rejection], None] | None = None,
        progress: Callable[[int], None] | None = None,
        *,
        one_transaction: bool = False,
        project: bool = True,
    ) -> IngestSummary:
        """`one_transaction`: the lines (a request of at most some thousand) are stored in
        one transaction, all or none, in this process (an HTTP request: a helper would
        cost more to start than it saves), with the projections as they are (the server
        brought them to its code version when it started)."""
        if one_transaction:
            total = IngestSummary()
            for batch in batches(lines, 10**9):
                summary = self._ingest_here(batch, project=project)
                if on_reject:
                    for rejection in summary.rejections:
                        on_reject(rejection)
                    summary.rejections = []
                total.add(summary)
                if progress:
                    progress(summary.lines_read)
            return total
        (total,) = self.ingest_each(
            [lines],
            on_reject=(lambda _, rejection: on_reject(rejection)) if on_reject else None,
            progress=(lambda _, n: progress(n)) if progress else None,
        )
        return total

    def ingest_each(
        self,
        inputs: Sequence[Iterable[str | bytes]],
        on_reject: Callable[[int, Rejection], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[IngestSummary]:
        """Several inputs (files) one after the other through one pipeline, as fast as
        one input holding them all: one helper process, one warm-up, one catch-up. A
        summary per input; `on_reject(i, rejection)` and `progress(i, lines)` name the
        input by its index, and line numbers count from each input's first line."""
        totals = [IngestSummary() for _ in inputs]

        def record(index: int, summary: IngestSummary) -> None:
            if on_reject:
                for rejection in summary.rejections:
                    on_reject(index, rejection)
                summary.rejections = []
            totals[index].add(summary)
            if progress:
                progress(index, summary.lines_read)

        ensure_current(self.store, self.projectors.values())
        for projector in self.projectors.values():
            projector.catch_up()  # so events written now can be projected straight away
        with batch_collection():
            self._ingest(_tagged(inputs), record)
        self.statistics.finish()
        return totals

    def _ingest(
        self, pending: Iterator[Tagged], record: Callable[[int, IngestSummary], None]
    ) -> None:
        first = next(pending, None)
        second = next(pending, None)
        if first is not None and second is not None and USE_HELPER:
            self._ingest_with_helper(chain((first, second), pending), record)
            return
        for index, batch in chain((b for b in (first, second) if b is not None), pending):
            record(index, self._ingest_here(batch))

    def _ingest_here(self, batch: Batch, *, project: bool = True) -> IngestSummary:
        """`project=False`: store only; a live projector (volym serve's) projects them."""
        parsed = parse_batch(batch, self.contract, self.pseudonymizer)
        for attempt in range(_RETRIES):
            prepared = self.preparer.prepare(parsed)
            try:
                ids = self._commit(prepared)
                break
            except IntegrityError:
                # Another writer stored the same key or placement version meanwhile.
                self.preparer.reset()
                if attempt == _RETRIES - 1:
                    raise
        if project:
            window = SnapshotWindow(self.projectors, PROJECT_EVERY)
            window.add(ids, prepared.records)
            window.flush()
        return prepared.summary

    def _ingest_with_helper(
        self, source: Iterator[Tagged], record: Callable[[int, IngestSummary], None]
    ) -> None:
        epoch, sequence, conflicts = 0, 0, 0
        waiting: deque[tuple[int, PackedBatch]] = deque()
        inputs: dict[int, int] = {}  # each batch's input, by its sequence
        # The helper projects what it prepared once told it is committed: the records stay
        # where they were made, and this process writes the plans made of them. Writing in
        # the helper made it the busier process by far (on SQLite the database's work is
        # the writer's own CPU; on PostgreSQL its COPY rows took the helper's interpreter
        # lock from the preparing). bench_ingest, 200 000 events, two rounds, volym / the
        # library's saves, with 8 batches ahead: PostgreSQL mixed 0.897, 0.871 -> 0.945,
        # 0.903; placements 0.848, 0.846 -> 0.900, 0.908. (With 3 ahead the helper ran out of
        # work while this process wrote, and on PostgreSQL it lost: 0.90 -> 0.86.)
        with IngestHelper(
            self.store,
            self.streams,
            project_every=PROJECT_EVERY,
            on_window=partial(write_plans, self.projectors),
        ) as helper:

            def ask() -> None:
                # This process parses; the helper prepares what it parsed.
                nonlocal sequence
                tagged = next(source, None)
                if tagged is not None:
                    inputs[sequence], batch = tagged
                    packed = pack_parsed(parse_batch(batch, self.contract, self.pseudonymizer))
                    waiting.append((sequence, packed))
                    helper.request(epoch, sequence, packed)
                    sequence += 1

            for _ in range(_AHEAD + 1):
                ask()
            while waiting:
                answer_epoch, answer_sequence, prepared = helper.next_prepared()
                if answer_epoch != epoch:
                    continue  # prepared before the last reset
                assert answer_sequence == waiting[0][0]
                try:
                    ids = self._commit(prepared)
                except IntegrityError:
                    conflicts += 1
                    if conflicts > _RETRIES:
                        raise
                    epoch += 1
                    helper.reset(epoch)
                    for seq, packed in waiting:
                        helper.request(epoch, seq, packed)
                    continue
                waiting.popleft()
                helper.committed(epoch, answer_sequence, ids)
                record(inputs.pop(answer_sequence), prepared.summary)
                ask()
            problem = helper.flush()
        if problem is not None:
            log.error("projecting the ingested events failed (%s); caught up from the log",
                      problem)  # fmt: skip
        for projector in self.projectors.values():
            projector.catch_up()  # whatever another writer stored meanwhile

    def _commit(self, prepared: PreparedBatch) -> list[int]:
        return commit(self.store, prepared, self.statistics)


def commit(store: Store, prepared: PreparedBatch, statistics: Statistics) -> list[int]:
    """A prepared batch's events with their feed keys and claims, in one transaction; the
    events' log positions."""
    if not prepared.stored:
        return []
    ids = store.recorder.insert_events(
        prepared.stored, feed_keys=prepared.keys, claims=prepared.claims
    )
    statistics.add(len(ids or ()))
    return list(ids or [])


Tagged = tuple[int, Batch]  # a batch of lines and the index of the input it is from


def _tagged(inputs: Sequence[Iterable[str | bytes]]) -> Iterator[Tagged]:
    for index, lines in enumerate(inputs):
        first = FIRST_BATCH_LINES if index == 0 else None
        for batch in batches(lines, BATCH_LINES, first=first):
            yield index, batch
