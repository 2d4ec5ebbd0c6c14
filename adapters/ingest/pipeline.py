"""`volym serve`'s ingest: every request's lines go through one pipeline, as `volym
ingest` has for a file. A helper process parses and prepares them (validation,
pseudonyms, duplicates, the aggregates' rules, encoding); one committer thread stores each
request in its own transaction, in the order they came, and tells the helper, which
projects what they changed from the records it made, without reading the events back.
The server's process keeps the HTTP work and the commits; `volym ingest`'s own process
parses too, as it has nothing else to do.

Measured before (200 000 events, 8 clients, PostgreSQL): each request prepared and
committed in its own thread, and the log read again by the live projector, took twice the
CPU of `volym ingest` per event and reached half its rate. Projecting in the server's
process, from records carried over from the helper, held its interpreter lock two fifths
of the time, and report requests waited for it."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field

from eventsourcing.persistence import IntegrityError

from adapters.eventstore.store import Store
from adapters.feed.identity import Pseudonymizer
from adapters.feed.parsing import Batch, batches
from adapters.ingest.helper import IngestHelper
from adapters.ingest.ingestor import commit
from adapters.ingest.prepare import IngestSummary, PreparedBatch
from adapters.ingest.statistics import Statistics
from adapters.ingest.stream import AnyIngestStream
from adapters.projection.projector import projectors

log = logging.getLogger(__name__)

AHEAD = 7  # requests prepared ahead of the one being committed (measured: 3 left the helper idle)
# Committed events are projected together when no request came for IDLE seconds, or
# every PROJECT_EVERY events while requests keep coming: an aggregate touched by several
# requests is written once (projecting every request cost the server a fifth of its time).
IDLE = 0.05
PROJECT_EVERY = 20_000
RETRIES = 5  # commit conflicts with other writers, per request


CONGESTED = "other writers kept storing the same aggregates; nothing was stored; send it again"


class Congested(Exception):
    """A request lost its commit to other writers again and again: nothing of it is
    stored, and it may be sent again."""


class Closed(Exception):
    """The server is stopping: nothing of the request was stored."""


@dataclass
class _Request:
    lines: Batch
    answer: Future[IngestSummary] = field(default_factory=Future)
    conflicts: int = 0


class IngestPipeline:
    def __init__(
        self, store: Store, pseudonymizer: Pseudonymizer, streams: Sequence[AnyIngestStream]
    ) -> None:
        self.store = store
        self.key = pseudonymizer.key
        self.streams = list(streams)
        self.projectors = projectors(store, streams)
        self.statistics = Statistics(store, self.projectors.values())
        self._incoming: queue.Queue[_Request | None] = queue.Queue()
        self._open = 0  # requests handed in and not yet answered
        self._count = threading.Lock()
        # Commits the helper was told of since it last said it had projected them all:
        # projected together, when no request is under way or every PROJECT_EVERY events.
        self._unprojected = 0
        # Held while projecting, by the committer (telling the helper of a commit, or
        # waiting for its projecting) or by the server's live projector.
        self._projecting = threading.Lock()
        self._thread: threading.Thread | None = None
        self._started = threading.Lock()
        self._closed = False

    def start(self) -> None:
        with self._started:
            if self._thread is None and not self._closed:
                helper = self._helper()
                self._thread = threading.Thread(
                    target=self._run, args=(helper,), name="ingest", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        """After the requests handed in: each is stored and answered, and projected."""
        with self._started:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._incoming.put(None)
            thread.join()

    def ingest(self, lines: Iterable[str | bytes]) -> IngestSummary:
        """A request's lines, stored in one transaction, all or none; its receipt."""
        whole = list(batches(lines, 10**9))
        if not whole:
            return IngestSummary()
        self.start()
        request = _Request(whole[0])
        with self._count:
            if self._closed:
                raise Closed("the server is stopping; nothing was stored; send it again")
            self._open += 1
            self._incoming.put(request)
        try:
            return request.answer.result()
        finally:
            with self._count:
                self._open -= 1

    @contextmanager
    def quiet(self) -> Iterator[bool]:
        """For the server's live projector: whether it may catch up now (no request is
        under way, whose commit projects itself), holding off the committer's projecting
        meanwhile."""
        with self._projecting:
            yield self._open == 0 and self._unprojected == 0

    def _run(self, helper: IngestHelper) -> None:
        waiting: deque[tuple[int, _Request]] = deque()
        epoch = sequence = 0
        stopping = False

        def send(request: _Request) -> None:
            nonlocal sequence
            waiting.append((sequence, request))
            helper.request_lines(epoch, sequence, request.lines)
            sequence += 1

        def again() -> None:
            # The helper's preparing assumed the commits that failed: prepare from the store.
            nonlocal epoch
            epoch += 1
            helper.reset(epoch)
            for seq, request in waiting:
                helper.request_lines(epoch, seq, request.lines)

        try:
            while True:
                if not waiting:
                    if stopping:
                        self._project(helper)
                        return
                    try:
                        first = self._incoming.get(timeout=IDLE)
                    except queue.Empty:
                        self._project(helper)  # nothing under way: bring the reports up to date
                        first = self._incoming.get()
                    if first is None:
                        stopping = True
                        continue
                    send(first)
                while len(waiting) <= AHEAD and not stopping:
                    try:
                        more = self._incoming.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stopping = True
                    else:
                        send(more)
                try:
                    answer_epoch, answer_sequence, prepared = helper.next_prepared()
                except Exception as error:  # the helper failed or is gone: start another
                    for _, request in waiting:
                        request.answer.set_exception(error)
                    waiting.clear()
                    helper.__exit__()
                    with self._projecting:
                        self._unprojected = 0  # gone with it: the live projector reads them
                    helper = self._helper()
                    epoch = 0
                    continue
                if answer_epoch != epoch:
                    continue  # prepared before the last reset
                assert answer_sequence == waiting[0][0]
                request = waiting[0][1]
                try:
                    ids = self._commit(prepared)
                except IntegrityError:
                    # Another writer stored the same key or aggregate version meanwhile.
                    request.conflicts += 1
                    if request.conflicts > RETRIES:
                        waiting.popleft()
                        request.answer.set_exception(Congested(CONGESTED))
                    again()
                    continue
                except Exception as error:  # the store did not answer: this one failed
                    waiting.popleft()
                    request.answer.set_exception(error)
                    again()
                    continue
                waiting.popleft()
                self._committed(helper, epoch, answer_sequence, ids)
                request.answer.set_result(prepared.summary)
        finally:
            with self._count:
                self._closed = True  # whatever ended this thread: no request may wait for it
            stranded = [request for _, request in waiting]
            while (left := self._drained()) is not None:
                stranded.append(left)
            for request in stranded:
                if not request.answer.done():
                    request.answer.set_exception(Closed("the server stopped; send it again"))
            helper.__exit__()
            self.statistics.finish()

    def _helper(self) -> IngestHelper:
        helper = IngestHelper(
            self.store, self.streams, shared=True, key=self.key, project_every=PROJECT_EVERY
        )
        return helper.__enter__()

    def _drained(self) -> _Request | None:
        while True:
            try:
                request = self._incoming.get_nowait()
            except queue.Empty:
                return None
            if request is not None:
                return request

    def _commit(self, prepared: PreparedBatch) -> list[int]:
        return commit(self.store, prepared, self.statistics)

    def _committed(self, helper: IngestHelper, epoch: int, sequence: int, ids: list[int]) -> None:
        """Tell the helper that its batch (epoch, sequence) is stored at `ids`: it projects
        it with the next window."""
        with self._projecting:
            helper.committed(epoch, sequence, ids)
            self._unprojected += 1

    def _project(self, helper: IngestHelper) -> None:
        """Have the helper project all it was told of, and wait for that."""
        with self._projecting:
            if not self._unprojected:
                return
            try:
                problem = helper.flush()
            except Exception as error:
                problem = type(error).__name__
            # Projected, or failed: either way the live projector may now read the log.
            self._unprojected = 0
            if problem is not None:
                # Stored all the same: the live projector reads these events from the log.
                log.error("projecting committed requests failed (%s); the live projector "
                          "catches up from the log", problem)  # fmt: skip
