"""Reports as of a moment answered from the read models' versions, against the reference:
the same log replayed up to the last commit stored by then. Random histories (late
registrations, corrections, voids, reversals), stored in several commits at their own
moments, by ingest, by the live catch-up and across a rebuild; random moments."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import text

from adapters import application
from adapters.application.ingesting import ingestor
from adapters.projection.projector import Projector
from adapters.projection.rebuild import rebuild_together
from adapters.projection.replay import log_position_at, replayed_as_of, versioned_view
from adapters.streams import STREAMS
from domain.vocabulary import FORMS, INVESTIGATION_TARGET_GROUPS, LEGAL_BASES
from tests.helpers import (
    assessed,
    changed,
    closed,
    composition,
    ended,
    household,
    household_closed,
    ingest,
    lines,
    opened,
    paid,
    reported,
    reversal,
    started,
    voided,
)

START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
PERIODS = ("2023", "2023-Q3", "2024-Q1")


def _day(rng: random.Random, after: date, within: int = 200) -> date:
    return after + timedelta(days=rng.randint(1, within))


def _placement(rng: random.Random, n: int) -> list[dict[str, Any]]:
    pid, first = f"P{n}", date(2023, 1, 1) + timedelta(days=rng.randint(0, 330))
    cost = f"{rng.randint(5, 40) * 100}.00"
    events = [started(pid, first.isoformat(), form=rng.choice(FORMS), daily_cost=cost)]
    day = first
    for _ in range(rng.randint(0, 2)):
        day = _day(rng, day, 90)
        events.append(changed(pid, day.isoformat(), legal_basis=rng.choice(LEGAL_BASES)))
    if rng.random() < 0.6:
        events.append(ended(pid, _day(rng, day).isoformat()))
    if rng.random() < 0.15:
        events.append(voided(pid, first.isoformat()))
    return events


def _case(rng: random.Random, n: int) -> list[dict[str, Any]]:
    cid, day = f"C{n}", date(2023, 1, 1) + timedelta(days=rng.randint(0, 330))
    group = rng.choice(INVESTIGATION_TARGET_GROUPS)
    events = [reported(cid, day.isoformat(), target_group=group)]
    if rng.random() < 0.8:
        day = _day(rng, day, 14)
        events.append(assessed(cid, day.isoformat()))
        if rng.random() < 0.8:
            day = _day(rng, day, 10)
            events.append(opened(cid, day.isoformat()))
            if rng.random() < 0.6:
                events.append(closed(cid, _day(rng, day, 120).isoformat()))
    return events


def _household(rng: random.Random, n: int) -> list[dict[str, Any]]:
    hid, day = f"H{n}", date(2023, 1, 1) + timedelta(days=rng.randint(0, 200))
    events = [household(hid, day.isoformat())]
    for m in range(rng.randint(1, 5)):
        month = date(day.year + (day.month + m - 1) // 12, (day.month + m - 1) % 12 + 1, 1)
        pay_day = max(month, day).isoformat()
        events.append(paid(hid, pay_day, f"{hid}-{m}", month.isoformat()[:7], "4200.00"))
        if rng.random() < 0.2:
            events.append(reversal(hid, pay_day, f"{hid}-{m}", amount="1000.00"))
        if rng.random() < 0.2:
            events.append(composition(hid, pay_day, children=rng.randint(0, 3)))
    if rng.random() < 0.3:
        events.append(household_closed(hid, _day(rng, day, 300).isoformat()))
    return events


def _history(rng: random.Random) -> list[list[dict[str, Any]]]:
    """Each aggregate's events in their order, interleaved at random, cut into commits."""
    queues = [_placement(rng, n) for n in range(rng.randint(3, 6))]
    queues += [_case(rng, n) for n in range(rng.randint(2, 5))]
    queues += [_household(rng, n) for n in range(rng.randint(2, 4))]
    feed: list[dict[str, Any]] = []
    while queues:
        queue = rng.choice(queues)
        feed.append(queue.pop(0))
        if not queue:
            queues.remove(queue)
    cuts = sorted(rng.sample(range(1, len(feed)), rng.randint(2, 5)))
    return [feed[a:b] for a, b in zip([0, *cuts], [*cuts, len(feed)], strict=True)]


def _store(volym: Any, rng: random.Random, chunks: list[list[dict[str, Any]]]) -> list[datetime]:
    """Each chunk stored at its own moment: by ingest (one commit), stored and then caught
    up by the live projectors, or followed by a rebuild of every projection."""
    moments = []
    for n, chunk in enumerate(chunks):
        moment = START + timedelta(hours=n)
        moments.append(moment)
        how = rng.choice(["ingest", "catch_up", "rebuild"])
        with freeze_time(moment):
            if how == "catch_up":
                ingestor(volym).ingest(lines(*chunk), one_transaction=True, project=False)
                for stream in STREAMS:
                    Projector(volym, stream).catch_up()
            else:
                ingest(volym, *chunk)
            if how == "rebuild":
                rebuild_together(volym, [Projector(volym, s) for s in STREAMS])
    return moments


@pytest.mark.parametrize("seed", range(6))
def test_as_of_from_versions_equals_replay_of_the_log(volym, seed, monkeypatch):
    if seed % 2:  # batches of the log that end inside commits, in every reader
        for name in ("replay._BATCH", "projector.BATCH", "rebuild_share.READ_BATCH"):
            monkeypatch.setattr(f"adapters.projection.{name}", 3)
    rng = random.Random(seed)
    moments = _store(volym, rng, _history(rng))
    asked = [START - timedelta(hours=1), *moments, moments[-1] + timedelta(hours=1)]
    asked += [m + timedelta(minutes=rng.randint(1, 59)) for m in rng.sample(moments, 2)]
    for moment in asked:
        position = log_position_at(volym, moment)
        assert position.known
        for stream in STREAMS:
            assert versioned_view(volym, stream, position) is not None  # not by replay
            reference = replayed_as_of(volym, stream, moment)
            for by in ((), (rng.choice(list(stream.report_kind.dimensions)),)):
                request = application.report_request(stream.name, PERIODS, by, (), moment)
                answer = application.report(volym, request).report
                assert answer == stream.report(reference, request), (moment, stream.name, by)
    assert application.verify(volym) == []


def test_a_moment_between_two_commits_sees_the_first_only(volym):
    with freeze_time(START):
        ingest(volym, started("P1", "2023-01-01"))
    with freeze_time(START + timedelta(hours=2)):
        ingest(volym, ended("P1", "2023-01-31"))
    between = START + timedelta(hours=1)

    def care_days(moment: datetime | None) -> int:
        request = application.report_request("placements", ["2023-Q1"], as_of=moment)
        result: int = application.report(volym, request).report["totals"][0]["care_days"]
        return result

    assert care_days(between) == 90  # in care all quarter, as far as was known then
    assert care_days(START) == 90  # a commit stored at the very moment is known then
    assert care_days(None) == 31


def test_explain_from_versions_equals_explain_by_replay(volym, monkeypatch):
    rng = random.Random(7)
    moments = _store(volym, rng, _history(rng))
    request = application.report_request("placements", ["2023"], ("form_group",), (), moments[1])
    fast = application.explain(volym, request)
    monkeypatch.setattr("adapters.reports.explain.versioned_view", lambda *_: None)
    assert application.explain(volym, request) == fast


def test_verify_names_a_version_altered_behind_volyms_back(volym):
    with freeze_time(START):
        ingest(volym, started("P1", "2023-01-01"))
    with freeze_time(START + timedelta(hours=1)):
        ingest(volym, ended("P1", "2023-01-31"))
    assert application.verify(volym) == []
    view = Projector(volym, STREAMS[0]).live_view()
    history = view.histories[0].table
    with volym.engine.begin() as conn:
        conn.execute(text(f"UPDATE {history.name} SET cost_ore = cost_ore + 1"))
    (difference,) = application.verify(volym)
    assert "placement_segment_v" in difference and "different" in difference
