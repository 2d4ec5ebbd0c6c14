"""`volym serve`'s ingest pipeline (a helper parses and prepares, one thread commits each
request and projects it): each request all or none, in the order handed in, and the
figures those of a rebuild from the log."""

import threading
import time

import pytest
from eventsourcing.persistence import OperationalError

from adapters import application
from adapters.application.ingesting import Closed, ingest_pipeline
from adapters.feed.contract import FeedContract
from adapters.feed.parsing import ParsedBatch, batches, parse_batch
from adapters.ingest import pipeline as pipeline_module
from adapters.ingest.pipeline import IngestPipeline
from adapters.ingest.prepare import PreparedBatch, Preparer
from adapters.streams import STREAMS
from tests.helpers import changed, ended, lines, started
from tests.test_ingest_pipeline import figures, history


def requests_of(feed: list[str], size: int) -> list[list[str]]:
    return [feed[i : i + size] for i in range(0, len(feed), size)]


def in_order(pipeline: IngestPipeline, requests: list[list[str]]) -> list[object]:
    """Hand the requests in one after the other, each from its own thread (as concurrent
    clients), without waiting for the answers; each answer, or the error it raised."""
    answers: list[object] = [None] * len(requests)

    def send(i: int) -> None:
        try:
            answers[i] = pipeline.ingest(requests[i])
        except Exception as error:
            answers[i] = error

    threads = []
    for i in range(len(requests)):
        threads.append(threading.Thread(target=send, args=(i,)))
        threads[-1].start()
        deadline = time.monotonic() + 30
        while pipeline._open < i + 1 and not threads[-1].join(0.001) and answers[i] is None:
            assert time.monotonic() < deadline
    for thread in threads:
        thread.join()
    return answers


def test_requests_through_the_pipeline_equal_a_rebuild_from_the_log(volym):
    pipeline = ingest_pipeline(volym)
    feeds = {prefix: requests_of(history(prefix), 7) for prefix in "ABC"}
    answers: dict[str, list[object]] = {}

    def client(prefix: str) -> None:
        answers[prefix] = [pipeline.ingest(request) for request in feeds[prefix]]

    clients = [threading.Thread(target=client, args=(p,)) for p in feeds]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    pipeline.stop()
    for prefix in feeds:
        receipts = answers[prefix]
        assert sum(r.accepted for r in receipts) == 28
        assert sum(r.rejected for r in receipts) == 5
        # Line numbers count from each request's first line.
        assert [r.line_no for r in receipts[0].rejections] == [6]
    live = figures(volym)
    assert live[0]["totals"][0]["started"] == 3 * 11
    application.rebuild(volym)
    assert figures(volym) == live
    assert application.verify(volym) == []


def test_a_failed_commit_fails_its_request_only_and_the_rest_are_prepared_again(
    volym, monkeypatch
):
    real_commit = IngestPipeline._commit
    calls = {"n": 0}
    pipeline = ingest_pipeline(volym)
    requests = [
        lines(started("A1", "2023-01-02")),
        lines(started("X", "2023-01-05")),
        lines(changed("X", "2023-02-01", form="sis")),
        lines(ended("X", "2023-03-01")),
    ]

    def second_fails(self, prepared):
        calls["n"] += 1
        if calls["n"] == 1:  # the rest are handed in meanwhile and prepared ahead
            while self._open < len(requests):
                time.sleep(0.001)
        if calls["n"] == 2:
            raise OperationalError("the store went away")
        return real_commit(self, prepared)

    monkeypatch.setattr(IngestPipeline, "_commit", second_fails)
    first = in_order(pipeline, requests)
    assert first[0].accepted == 1
    assert isinstance(first[1], OperationalError)
    # Prepared again from the store, which has no X: refused, not stored out of order.
    assert [(r.accepted, r.rejected) for r in first[2:]] == [(0, 1), (0, 1)]
    assert "unknown" in first[2].rejections[0].reasons[0]
    again = in_order(pipeline, requests[1:])
    assert [(r.accepted, r.duplicates) for r in again] == [(1, 0), (1, 0), (1, 0)]
    pipeline.stop()
    events = application.history(volym, "placement", "lifecare-test", "X").events
    assert [e["type"] for e in events] == ["placement.started", "placement.changed",
                                           "placement.ended"]  # fmt: skip
    live = figures(volym)
    application.rebuild(volym)
    assert figures(volym) == live
    assert live[0]["totals"][0]["ended"] == 1


def test_a_writer_beside_the_server_is_followed_not_refused(volym):
    pipeline = ingest_pipeline(volym)
    assert pipeline.ingest(lines(started("X", "2023-01-05"))).accepted == 1
    # A command-line ingest into the same store, of the same placement.
    beside = application.ingest_lines(volym, lines(changed("X", "2023-02-01", form="sis")))
    assert beside.accepted == 1
    receipt = pipeline.ingest(lines(ended("X", "2023-03-01")))
    assert (receipt.accepted, receipt.rejected) == (1, 0)
    pipeline.stop()
    events = application.history(volym, "placement", "lifecare-test", "X").events
    assert [e["type"] for e in events] == ["placement.started", "placement.changed",
                                           "placement.ended"]  # fmt: skip
    assert application.verify(volym) == []


def test_a_stopped_pipeline_refuses_and_stores_nothing(volym):
    pipeline = ingest_pipeline(volym)
    assert pipeline.ingest(lines(started("X", "2023-01-05"))).accepted == 1
    pipeline.stop()
    with pytest.raises(Closed):
        pipeline.ingest(lines(started("Y", "2023-01-05")))
    assert volym.recorder.max_notification_id() == 1


def test_commits_under_way_hold_the_live_projector_off(volym, monkeypatch):
    monkeypatch.setattr(pipeline_module, "IDLE", 0.5)
    pipeline = ingest_pipeline(volym)
    pipeline.ingest(lines(started("X", "2023-01-05")))
    with pipeline.quiet() as may:
        assert not may  # committed, not yet projected: the pipeline projects it
    deadline = time.monotonic() + 30
    while pipeline._unprojected:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with pipeline.quiet() as may:
        assert may
    assert figures(volym)[0]["totals"][0]["started"] == 1
    pipeline.stop()


def test_a_shared_preparer_keeps_what_it_prepared_ahead_of_the_store(volym):
    contract = FeedContract([model for s in STREAMS for model in s.feed_events])

    def parsed(event: dict[str, object]) -> ParsedBatch:
        return parse_batch(next(batches(lines(event), 100)), contract, volym.pseudonymizer)

    def commit(prepared: PreparedBatch) -> None:
        volym.recorder.insert_events(prepared.stored, feed_keys=prepared.keys,
                                     claims=prepared.claims)  # fmt: skip

    preparer = Preparer(volym, STREAMS, shared=True)
    commit(preparer.prepare(parsed(started("X", "2023-01-05"))))
    ahead = preparer.prepare(parsed(changed("X", "2023-02-01", form="sis")))  # not committed
    after = preparer.prepare(parsed(ended("X", "2023-03-01")))
    assert [e.originator_version for e in after.stored] == [3]  # after the one ahead
    commit(ahead)
    commit(after)
