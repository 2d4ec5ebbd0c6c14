"""The second process of a large ingest: it prepares parsed batches (duplicates, the
aggregates' rules, encoding) while the main process parses the batches ahead and commits
the prepared ones in order; told which are committed, it projects them from the records it
made (`_Projecting`), which never leave it. A server's helper parses the lines too.

Measured on this 2-core machine: a third process made every one of them slower, and
projecting in the main process, from records sent back with each prepared batch, cost a
pickling at each end and left the main process the busier one (bench_ingest placements
0.75x the library's saves; 0.87x with the helper projecting). Since the read models keep
versions the helper is the busier one (200 000 mixed events on SQLite: main 9.7 s of CPU,
helper 22.8 s, in 24.3 s), so it writes its windows in a thread of their own.

Requests carry an epoch: after a commit conflict the main process resets the helper and
asks again for every uncommitted batch, and ignores answers from the old epoch."""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from adapters.errors import UserError
from adapters.eventstore.feed_keys import Claim, FeedKey
from adapters.eventstore.store import Store, open_store
from adapters.feed.contract import FeedContract, ParsedLine
from adapters.feed.envelope import FeedEvent
from adapters.feed.identity import Pseudonymizer
from adapters.feed.parsing import Batch, ParsedBatch, parse_batch
from adapters.ingest.prepare import IngestSummary, PreparedBatch, Preparer
from adapters.ingest.stream import AnyIngestStream
from adapters.ingest.window import Plans, Send, SnapshotWindow
from adapters.projection.children import end_with_parent
from adapters.projection.gc_tuning import batch_collection
from adapters.projection.kind import Record
from adapters.projection.projector import projectors

Message = tuple[str, Any]  # (what, its payload): each kind's payload has its own shape
# A parsed batch as the helper gets it: (lines read, [(line no, raw, fields, digest)],
# [(line no, raw, reasons)]); the fields are a validated model's, with its fields_set.
PackedBatch = tuple[
    int, list[tuple[int, str, dict[str, object], str]], list[tuple[int, str, list[str]]]
]
# A prepared batch as the helper answers: (summary, stored events as tuples, feed keys as
# tuples, records by projection).
PackedPrepared = tuple[
    IngestSummary,
    list[tuple[str, int, str, bytes]],
    list[tuple[str, str, str, int]],
    list[tuple[str, str, str, str]],
    dict[str, list[Record]],
]


class IngestHelper:
    def __init__(
        self,
        store: Store,
        streams: Sequence[AnyIngestStream],
        *,
        shared: bool = False,
        key: bytes | None = None,
        project_every: int | None = None,
        on_window: Send | None = None,
    ) -> None:
        """`shared`: as the Preparer's (other writers store the same aggregates). `key`:
        the pseudonym key, for a helper that parses the lines too (`request_lines`).
        `project_every`: the helper projects what it prepared, once told it is committed
        (`committed`), every so many events and when asked (`flush`); its answers then
        carry no records. `on_window`: it does not write what it projects but sends each
        window's plans, and this process writes them with `on_window` while it waits for
        the helper's answers (a command-line ingest's, whose main process is otherwise
        idle most of the time; a server's main process answers requests instead)."""
        self._on_window = on_window
        # Two queues, not a duplex pipe: a queue's put hands off to a feeder thread, so
        # neither side can block sending a large batch while the other blocks sending too.
        # spawn, not fork: SQLite keeps its file-lock bookkeeping in process memory, and a
        # forked child that opens the same database inherits locks it can never release
        # (seen: concurrent ingesters in one process, "database is locked" after 30 s).
        context = multiprocessing.get_context("spawn")
        self._requests: multiprocessing.Queue[Message] = context.Queue()
        self._replies: multiprocessing.Queue[Message] = context.Queue()
        url = store.url.render_as_string(hide_password=False)
        self._process = context.Process(
            target=_serve,
            args=(
                self._requests,
                self._replies,
                url,
                list(streams),
                shared,
                key,
                project_every,
                on_window is not None,
            ),
            daemon=True,
        )

    def __enter__(self) -> IngestHelper:
        self._process.start()
        return self

    def request(self, epoch: int, sequence: int, parsed: PackedBatch) -> None:
        """`parsed` is a packed ParsedBatch (see pack_parsed)."""
        self._requests.put(("prepare", (epoch, sequence, parsed)))

    def request_lines(self, epoch: int, sequence: int, batch: Batch) -> None:
        """Lines to parse and prepare: where this process has other work than parsing (a
        server's requests), the helper takes it over."""
        self._requests.put(("parse", (epoch, sequence, batch)))

    def reset(self, epoch: int) -> None:
        self._requests.put(("reset", epoch))

    def committed(self, epoch: int, sequence: int, ids: list[int]) -> None:
        """The batch prepared as (epoch, sequence) is stored at these log positions: to
        project (a helper made with `project_every`)."""
        self._requests.put(("committed", (epoch, sequence, ids)))

    def flush(self) -> str | None:
        """Project all that was committed, and wait for it; what went wrong, if anything
        (the committed events are stored all the same; the live projector reads them)."""
        self._requests.put(("flush", None))
        while True:
            kind, payload = self._receive()
            if kind == "flushed":
                return cast(str | None, payload)
            # Otherwise an answer prepared before a reset, which nobody waits for.

    def next_prepared(self) -> tuple[int, int, PreparedBatch]:
        kind, (epoch, sequence, payload) = self._receive()
        assert kind == "prepared"
        return epoch, sequence, _unpack(payload)

    def __exit__(self, *_: object) -> None:
        if self._process.is_alive():
            self._requests.put(("stop", None))
            self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        # Batches still queued for a helper that is gone must not hold this process at
        # exit: the queue's feeder thread would wait for ever to write them into a pipe
        # nobody reads (seen after the helper failed at a million events).
        for channel in (self._requests, self._replies):
            channel.cancel_join_thread()
            channel.close()

    def _receive(self) -> Message:
        while True:
            try:
                kind, payload = self._replies.get(timeout=1.0)
            except queue.Empty:
                if not self._process.is_alive():
                    raise UserError(
                        "the ingest helper process stopped unexpectedly; events stored so "
                        "far are kept, run the ingest again (duplicates are skipped)"
                    ) from None
                continue
            if kind == "error":
                raise UserError(f"ingest helper: {payload}")
            if kind == "window":
                assert self._on_window is not None, "only sent to a helper made with on_window"
                self._on_window(*payload)
                continue
            return kind, payload


def _serve(
    requests: multiprocessing.Queue[Message],
    replies: multiprocessing.Queue[Message],
    url: str,
    streams: list[AnyIngestStream],
    shared: bool,
    key: bytes | None,
    project_every: int | None,
    send_windows: bool,
) -> None:
    """Preparing needs no pseudonym key where the lines come parsed and pseudonymized;
    parsing does."""
    end_with_parent()
    try:
        with batch_collection(), open_store(url) as store:
            preparer = Preparer(store, streams, shared=shared)
            contract, pseudonymizer = None, None
            if key is not None:
                contract = FeedContract([model for s in streams for model in s.feed_events])
                pseudonymizer = Pseudonymizer(key)
            projecting = None
            if project_every is not None:
                send: Send | None = None
                if send_windows:

                    def send(ids: list[int], plans: Plans) -> None:
                        replies.put(("window", (ids, plans)))

                projecting = _Projecting(store, streams, project_every, send)
            epoch = 0
            while True:
                kind, payload = requests.get()
                if kind in ("prepare", "parse"):
                    request_epoch, sequence, work = payload
                    if request_epoch < epoch:
                        continue  # asked again after a reset: the main process ignores it
                    if kind == "parse":
                        assert contract and pseudonymizer, "a parsing helper has the key"
                        parsed = parse_batch(work, contract, pseudonymizer)
                    else:
                        parsed = unpack_parsed(work)
                    prepared = preparer.prepare(parsed)
                    if projecting is not None:
                        projecting.prepared(request_epoch, sequence, prepared)
                    replies.put(("prepared", (request_epoch, sequence, _pack(prepared))))
                elif kind == "committed" and projecting is not None:
                    projecting.committed(*payload)
                elif kind == "flush" and projecting is not None:
                    replies.put(("flushed", projecting.flush()))
                elif kind == "reset":
                    epoch = payload
                    preparer.reset()
                    if projecting is not None:
                        projecting.forget_before(epoch)
                elif kind == "stop":
                    if projecting is not None:
                        projecting.flush()
                        projecting.close()
                    return
    except BaseException as error:  # reported to the main process, which decides
        replies.put(("error", f"{type(error).__name__}: {error}"))


class _Projecting:
    """A helper's projecting of what it prepared: the records stay in this process, where
    they were made, until the main process says their batch is committed. Measured:
    carried to the server's process, unpickling them and projecting there took two fifths
    of the time it held the interpreter lock, and report requests waited for it."""

    def __init__(
        self, store: Store, streams: Sequence[AnyIngestStream], every: int, send: Send | None
    ) -> None:
        self.projectors = projectors(store, streams)
        self.every = every
        # Sent to be written, or written in the background: preparing the next batches
        # goes on meanwhile.
        self.window = SnapshotWindow(self.projectors, every, background=send is None, send=send)
        self.waiting: dict[tuple[int, int], dict[str, list[Record]]] = {}
        self.problem: str | None = None

    def prepared(self, epoch: int, sequence: int, prepared: PreparedBatch) -> None:
        self.waiting[epoch, sequence] = prepared.records
        prepared.records = {}  # not carried back

    def committed(self, epoch: int, sequence: int, ids: list[int]) -> None:
        records = self.waiting.pop((epoch, sequence), None)
        if records is None:
            self._failed("a committed batch's records were not found")
            return
        try:
            self.window.add(ids, records)
        except Exception as error:
            self._failed(type(error).__name__)

    def forget_before(self, epoch: int) -> None:
        """Prepared in an earlier epoch and never to be committed."""
        self.waiting = {k: v for k, v in self.waiting.items() if k[0] >= epoch}

    def flush(self) -> str | None:
        """Write all that was committed, and wait for it; what went wrong, if anything."""
        try:
            self.window.flush()
            self.window.wait()
        except Exception as error:
            self._failed(type(error).__name__)
        problem, self.problem = self.problem, None
        return problem

    def _failed(self, what: str) -> None:
        # Stored all the same: the server's live projector reads these events from the log.
        self.problem = self.problem or what
        self.window.discard()

    def close(self) -> None:
        self.window.close()


def pack_parsed(parsed: ParsedBatch) -> PackedBatch:
    """Cheap to pickle: the validated fields, not the model objects."""
    lines = [(n, raw, _fields(line.event), line.digest) for n, raw, line in parsed.lines]
    return parsed.size, lines, parsed.invalid


def _fields(event: FeedEvent) -> dict[str, object]:
    # Which fields a line carried matters where null means something (household.changed).
    return {**event.__dict__, "model_fields_set": event.model_fields_set}


def unpack_parsed(packed: PackedBatch) -> ParsedBatch:
    size, lines, invalid = packed
    # Already validated: plain attribute bags (a model_construct costs 20x more).
    rebuilt: list[tuple[int, str, ParsedLine]] = []
    for n, raw, fields, digest in lines:
        # The commands read a FeedEvent's attributes only, which these carry.
        event = cast(FeedEvent, SimpleNamespace(**fields))
        rebuilt.append((n, raw, ParsedLine(event, digest)))
    return ParsedBatch(size, lines=rebuilt, invalid=invalid)


def _pack(prepared: PreparedBatch) -> PackedPrepared:
    """Cheap to pickle: plain tuples instead of objects."""
    stored = [
        (
            s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
            s.originator_version,
            s.topic,
            s.state,
        )
        for s in prepared.stored
    ]
    keys = [(k.source, k.event_id, k.digest, k.position) for k in prepared.keys]
    claims = [(c.source, c.name, c.value, c.aggregate) for c in prepared.claims]
    return prepared.summary, stored, keys, claims, prepared.records


def _unpack(payload: PackedPrepared) -> PreparedBatch:
    summary, stored, keys, claims, records = payload
    return PreparedBatch(
        summary,
        [StoredEvent(i, v, t, s) for i, v, t, s in stored],  # ids as hex: both stores take it
        [FeedKey(*k) for k in keys],
        [Claim(*c) for c in claims],
        records,
    )
