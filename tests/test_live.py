"""Live projections (`volym serve`), their lag (`volym status`) and a code-version change,
on both stores."""

import threading
import time

from adapters import application
from adapters.application.ingesting import ingestor
from adapters.composition import open_volym
from adapters.feed.parsing import batches, parse_batch
from adapters.ingest.prepare import Preparer
from adapters.projection.live import LiveProjections
from adapters.projection.projector import Projector, projectors
from adapters.streams import PLACEMENTS, STREAMS
from adapters.streams.placements import Placements
from tests.helpers import (
    MAN,
    TEST_KEY,
    case_total,
    household,
    lines,
    paid,
    reported,
    started,
    total,
)


def store_without_projecting(volym, *events):
    """As another process's ingest would, before it projects: events stored, views behind."""
    writer, preparer = ingestor(volym), Preparer(volym, STREAMS)
    for batch in batches(lines(*events), 2):
        parsed = parse_batch(batch, writer.contract, volym.pseudonymizer)
        writer._commit(preparer.prepare(parsed))


def lag(volym):
    return {s.projection: s.lag for s in application.status(volym)}


def feed(prefix, n=6):
    events = []
    for i in range(n):
        events += [
            started(f"{prefix}P{i}", "2023-01-01", person=MAN, target_group="vuxna_ovriga"),
            reported(f"{prefix}C{i}", "2023-01-02"),
            household(f"{prefix}H{i}", "2023-01-01"),
            paid(f"{prefix}H{i}", "2023-01-25", f"{prefix}B{i}", "2023-01", "1000"),
        ]
    return events


def wait_until(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_status_shows_each_projections_lag_and_a_step_clears_it(volym):
    store_without_projecting(volym, *feed("A", 2))
    assert lag(volym) == {"placements": 8, "investigations": 8, "households": 8}
    done = LiveProjections(volym, projectors(volym, STREAMS)).step()
    assert done == {"placements": 8, "investigations": 8, "households": 8}
    assert lag(volym) == {"placements": 0, "investigations": 0, "households": 0}


def test_live_projections_follow_concurrent_writers_and_skip_nothing(store_url):
    stop = threading.Event()
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        live = LiveProjections(volym, projectors(volym, STREAMS), poll=0.2)
        runner = threading.Thread(target=live.run, args=(stop,))
        runner.start()
        try:

            def write(prefix):
                with open_volym(store_url, pseudonym_key=TEST_KEY) as own:
                    store_without_projecting(own, *feed(prefix))

            writers = [threading.Thread(target=write, args=(p,)) for p in "XYZ"]
            for writer in writers:
                writer.start()
            for writer in writers:
                writer.join()
            assert wait_until(lambda: set(lag(volym).values()) == {0})
        finally:
            stop.set()
            runner.join(timeout=10)
        assert total(volym, "2023-01")["started"] == 18
        assert case_total(volym, "2023-01")["reported"] == 18
        assert application.verify(volym) == []


def test_a_lost_notification_only_delays_until_the_next_poll(store_url):
    stop = threading.Event()
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        live = LiveProjections(volym, projectors(volym, STREAMS), poll=0.3)
        live.channel = "nobody_notifies_here"  # every notification is lost
        runner = threading.Thread(target=live.run, args=(stop,))
        runner.start()
        try:
            store_without_projecting(volym, *feed("L", 1))
            assert wait_until(lambda: set(lag(volym).values()) == {0}, seconds=10)
            store_without_projecting(volym, *feed("M", 1))  # the runner is surely waiting now
            assert wait_until(lambda: set(lag(volym).values()) == {0}, seconds=10)
        finally:
            stop.set()
            runner.join(timeout=10)


class Newer(Placements):
    version = Placements.version + 1


def serve_started(volym, projection):
    live = LiveProjections(volym, {projection.name: Projector(volym, projection)})
    live.start()
    return live.projectors[projection.name].live_view()


def test_a_changed_code_version_is_rebuilt_aside_on_start(volym):
    application.ingest_lines(volym, lines(*feed("V", 2)))
    before = total(volym, "2023-01")
    newer = Newer()
    view = serve_started(volym, newer)
    assert view.generation == 2
    rows = {s.projection: s for s in application.status(volym)}
    assert rows["placements"].version == newer.version  # status now flags it against the code
    assert rows["placements"].code_version == PLACEMENTS.version
    assert serve_started(volym, newer).generation == 2  # current now: no rebuild
    assert total(volym, "2023-01") == before


def test_serve_projects_what_other_processes_store_until_stopped(store_url, monkeypatch):
    from io import StringIO

    from rich.console import Console

    from adapters.cli.operations import run_serve

    monkeypatch.setenv("VOLYM_PSEUDONYM_KEY", TEST_KEY)
    out, stop = StringIO(), threading.Event()
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        Projector(volym, PLACEMENTS).writable_view()  # the store exists
    server = threading.Thread(
        target=run_serve, args=(store_url, 0.2, Console(file=out, width=200), stop)
    )
    server.start()
    try:
        with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
            store_without_projecting(volym, *feed("S", 1))
            assert wait_until(lambda: set(lag(volym).values()) == {0})
    finally:
        stop.set()
        server.join(timeout=10)
    text = out.getvalue()
    assert "projected placements" in text and "households" in text
    assert text.rstrip().endswith("volym serve: stopped")
