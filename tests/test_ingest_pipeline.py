"""The large-input pipeline (a helper process prepares, this one commits and projects)
must give exactly what the one-process path and a rebuild from the log give."""

import threading

import pytest
from eventsourcing.persistence import IntegrityError
from sqlalchemy import select

from adapters import application
from adapters.composition import open_volym
from adapters.ingest import ingestor as ingest_module
from adapters.ingest.ingestor import Ingestor
from adapters.projection import rebuild as rebuild_module
from adapters.projection.projector import Projector, projectors
from adapters.projection.rebuild import rebuild_together
from adapters.streams import STREAMS
from tests.helpers import (
    MAN,
    TEST_KEY,
    WOMAN,
    assessed,
    case_report,
    changed,
    closed,
    composition,
    ended,
    household,
    household_report_of,
    lines,
    opened,
    paid,
    report,
    reported,
    reversal,
    started,
    voided,
)

ADULT = {"person": MAN, "target_group": "vuxna_ovriga"}  # feed.md: barn_unga is 0-20


def history(prefix: str = "P") -> list[str]:
    events = [
        started(f"{prefix}{i}", f"2023-01-{i + 1:02d}", **(ADULT if i % 2 else {}))
        for i in range(12)
    ]
    events += [
        changed(f"{prefix}3", "2023-02-01", form="sis", daily_cost="5000.00"),
        ended(f"{prefix}3", "2023-03-10"),
        ended(f"{prefix}5", "2023-02-20"),
        changed(f"{prefix}1", "2023-01-20", daily_cost="1500.00"),
        voided(f"{prefix}7", "2023-01-08"),
        ended(f"{prefix}3", "2023-02-15"),  # corrects the end date
        changed(f"{prefix}3", "2023-02-20", form="hvb"),  # rejected: after the corrected end
        changed(f"{prefix}-unknown", "2023-02-01", form="sis"),  # rejected: unknown
        reported(f"{prefix}C1", "2023-01-03"),
        reported(f"{prefix}C2", "2023-01-04", person=MAN, target_group="vuxna_missbruk"),
        assessed(f"{prefix}C1", "2023-01-10"),
        opened(f"{prefix}C1", "2023-01-11"),
        closed(f"{prefix}C2", "2023-02-01"),  # rejected: never opened
        closed(f"{prefix}C1", "2023-03-01"),
        household(f"{prefix}H1", "2023-01-01", co_applicant=WOMAN, children=1),
        paid(f"{prefix}H1", "2023-01-25", f"{prefix}B1", "2023-01", "9000"),
        composition(f"{prefix}H1", "2023-02-01", co_applicant=None),  # null: she moved out
        paid(f"{prefix}H1", "2023-02-25", f"{prefix}B2", "2023-02", "8000"),
        reversal(f"{prefix}H1", "2023-03-01", f"{prefix}B2", amount="9000"),  # rejected
        reversal(f"{prefix}H1", "2023-03-01", f"{prefix}B2", amount="500"),
    ]
    feed = lines(*events)
    feed.insert(5, "{broken")  # rejected: line 6
    return feed


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(ingest_module, "BATCH_LINES", 3)
    monkeypatch.setattr(ingest_module, "FIRST_BATCH_LINES", 2)
    monkeypatch.setattr(ingest_module, "PROJECT_EVERY", 5)


def figures(volym):
    return (
        report(volym, "2023-Q1", "2023-01..2023-03", by=("form", "month", "sex")),
        case_report(volym, "2023-Q1", "2023-01..2023-03", by=("target_group", "month")),
        household_report_of(volym, "2023-Q1", by=("month",)),
    )


def rebuild(volym):
    application.rebuild(volym)


def test_helper_path_equals_a_rebuild_from_the_log(volym, small_batches):
    result = application.ingest_lines(volym, history())
    assert (result.accepted, result.rejected) == (28, 5)
    assert [r.line_no for r in result.rejections] == [6, 20, 21, 26, 32]
    live = figures(volym)
    assert live[1]["totals"][0]["closed"] == 1
    assert live[2]["totals"][0]["persons"] == 2
    assert live[2]["rows"][1]["persons"] == 1  # February: the null removed her
    rebuild(volym)
    assert figures(volym) == live


def test_helper_path_equals_the_one_process_path(tmp_path, small_batches, monkeypatch):
    results = []
    for use_helper in (True, False):
        monkeypatch.setattr(ingest_module, "USE_HELPER", use_helper)
        with open_volym(f"sqlite:///{tmp_path}/{use_helper}.db", pseudonym_key=TEST_KEY) as v:
            summary = application.ingest_lines(v, history())
            rejected = [(r.line_no, r.reasons) for r in summary.rejections]
            results.append((summary.accepted, summary.duplicates, rejected, figures(v)))
    assert results[0] == results[1]


def test_the_helpers_windows_are_written_by_this_process_not_caught_up(
    volym, small_batches, monkeypatch
):
    written, caught_up = [], []
    real_write, real_catch_up = Projector.write_planned, Projector.catch_up

    def write_planned(self, ids, plan):
        written.append((self.name, real_write(self, ids, plan)))
        return written[-1][1]

    def catch_up(self, *args, **kwargs):
        caught_up.append(real_catch_up(self, *args, **kwargs))
        return caught_up[-1]

    monkeypatch.setattr(Projector, "write_planned", write_planned)
    monkeypatch.setattr(Projector, "catch_up", catch_up)
    application.ingest_lines(volym, history())
    assert len(written) >= 3 * 5  # 33 lines, 5 events a window, each projection
    assert all(ok for _, ok in written)
    assert set(caught_up) == {0}  # nothing left for the log to give
    monkeypatch.setattr(Projector, "write_planned", real_write)
    monkeypatch.setattr(Projector, "catch_up", real_catch_up)
    live = figures(volym)
    rebuild(volym)
    assert figures(volym) == live


def test_a_commit_conflict_resets_the_helper_and_loses_nothing(volym, small_batches, monkeypatch):
    real_commit = Ingestor._commit
    calls = {"n": 0}

    def conflict_once(self, prepared):
        calls["n"] += 1
        if calls["n"] == 3:
            raise IntegrityError("another writer got there first")
        return real_commit(self, prepared)

    monkeypatch.setattr(Ingestor, "_commit", conflict_once)
    result = application.ingest_lines(volym, history())
    assert (result.accepted, result.duplicates, result.rejected) == (28, 0, 5)
    monkeypatch.setattr(Ingestor, "_commit", real_commit)
    expected = figures(volym)
    rebuild(volym)
    assert figures(volym) == expected
    assert expected[0]["totals"][0]["started"] == 11  # 12 started, one voided
    assert expected[1]["totals"][0]["reported"] == 2


def test_concurrent_ingesters_skip_no_event(store_url, small_batches):
    feeds = [history("A"), history("B"), history("C")]
    errors: list[BaseException] = []

    def run(feed):
        try:
            with open_volym(store_url, pseudonym_key=TEST_KEY) as own:
                application.ingest_lines(own, feed)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(feed,)) for feed in feeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        every = projectors(volym, STREAMS).values()
        live = figures(volym)
        assert live[0]["totals"][0]["started"] == 3 * 11
        assert live[1]["totals"][0]["reported"] == 3 * 2
        assert live[2]["totals"][0]["amount"] == 3 * (9000 + 7500)
        for projector in every:
            view = projector.live_view()
            assert (
                view.max_tracking_id(projector.tracking_name(view))
                == volym.recorder.max_notification_id()
            )
        rebuild(volym)
        assert figures(volym) == live


@pytest.mark.parametrize("processes", [2, 3])
def test_a_rebuild_shared_between_processes_equals_the_live_projections(
    volym, monkeypatch, processes
):
    for prefix in "ABC":
        application.ingest_lines(volym, history(prefix))
    live = figures(volym)
    monkeypatch.setattr(rebuild_module, "_processes", lambda events: processes)
    chosen = list(projectors(volym, STREAMS).values())
    views = rebuild_together(volym, chosen)
    assert [view.generation for view in views] == [2, 2, 2]
    assert figures(volym) == live
    assert application.verify(volym) == []
    last = volym.recorder.max_notification_id()
    for projector, view in zip(chosen, views, strict=True):
        assert view.max_tracking_id(projector.tracking_name(view)) == last
        with volym.engine.connect() as conn:  # the shares' own tracking rows are gone
            names = conn.execute(select(view.tracking_table.c.name)).scalars().all()
        assert not [name for name in names if "@" in name]


@pytest.mark.parametrize("processes", range(1, 9))
@pytest.mark.parametrize("events", [1, 60_000, 200_000, 10**7])
def test_the_shares_of_a_rebuild_cover_every_aggregate_once(processes, events):
    split = rebuild_module.shares(processes, events)
    assert len(split) == processes
    assert [digit for low, high in split for digit in range(low, high)] == list(range(16))
    assert all(low < high for low, high in split)


def test_the_process_that_starts_first_takes_more_of_a_small_log():
    assert rebuild_module.shares(2, 200_000) == [(0, 10), (10, 16)]
    assert rebuild_module.shares(2, 10**7) == [(0, 8), (8, 16)]
