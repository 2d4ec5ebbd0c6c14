"""Investigations, pure parts (issue 3, not yet wired into the feed): the aggregate's
rules and every measure of reports.md computed by hand on small histories."""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.errors import RuleViolation
from domain.investigation import Investigation
from domain.periods import add_months
from projections.investigation_measures import (
    CaseRecord,
    investigation_measures,
    over_four_months,
)

NOW = datetime(2024, 6, 1, tzinfo=UTC)
Q1 = (date(2024, 1, 1), date(2024, 3, 31))


def a_case(reported=date(2024, 1, 10)):
    return Investigation.report(
        source="s",
        case_id="C1",
        event_id="e1",
        recorded_at=NOW,
        occurred_on=reported,
        person="p",
        birth_date=date(2012, 5, 14),
        sex="kvinna",
        target_group="barn_unga",
        route="anmalan",
        reporter="skola",
    )


def step(case, method, on, **kw):
    getattr(case, method)(event_id="x", recorded_at=NOW, occurred_on=on, **kw)


def test_no_date_may_lie_before_the_report():
    case = a_case()
    with pytest.raises(RuleViolation, match="before the report date"):
        step(case, "assess", date(2024, 1, 9), decision="inled_utredning")


def test_opened_at_most_once_and_not_after_closing():
    case = a_case()
    step(case, "open", date(2024, 1, 20))
    with pytest.raises(RuleViolation, match="already opened"):
        step(case, "open", date(2024, 1, 21))
    step(case, "close", date(2024, 3, 1), outcome="insats")
    with pytest.raises(RuleViolation, match="closed and cannot be opened"):
        step(case, "open", date(2024, 3, 2))


def test_closed_only_after_opened_and_not_before_it():
    case = a_case()
    with pytest.raises(RuleViolation, match="no opened investigation"):
        step(case, "close", date(2024, 2, 1), outcome="insats")
    step(case, "open", date(2024, 1, 20))
    with pytest.raises(RuleViolation, match="before the investigation was opened"):
        step(case, "close", date(2024, 1, 19), outcome="insats")


def test_only_an_open_investigation_can_be_extended():
    case = a_case()
    with pytest.raises(RuleViolation, match="only an open investigation"):
        step(case, "extend", date(2024, 2, 1), until=date(2024, 7, 1), reason=None)
    step(case, "open", date(2024, 1, 20))
    step(case, "extend", date(2024, 4, 1), until=date(2024, 7, 1), reason="särskilda skäl")
    assert case.extended_until == date(2024, 7, 1)


@pytest.mark.parametrize(
    ("opened", "expected"),
    [
        (date(2023, 10, 31), date(2024, 2, 29)),  # leap year: the last day of February
        (date(2022, 10, 31), date(2023, 2, 28)),
        (date(2024, 1, 15), date(2024, 5, 15)),
        (date(2024, 9, 30), date(2025, 1, 30)),
    ],
)
def test_four_months_later_clamps_to_the_month_end(opened, expected):
    assert add_months(opened, 4) == expected


def test_closing_on_the_four_month_day_is_in_time_and_the_day_after_is_not():
    assert not over_four_months(date(2023, 10, 31), date(2024, 2, 29))
    assert over_four_months(date(2023, 10, 31), date(2024, 3, 1))


def case(reported, assessed=None, opened=None, closed=None, person="p1", outcome=None):
    return CaseRecord(person, reported, assessed, opened, closed, outcome)


def test_assessments_within_14_days_count_the_fourteenth_day():
    cases = [
        case(date(2024, 1, 1), assessed=date(2024, 1, 15)),  # 14 days: in time
        case(date(2024, 1, 1), assessed=date(2024, 1, 16), person="p2"),  # 15 days
        case(date(2023, 12, 20), assessed=date(2024, 1, 2), person="p3"),  # report before Q1
    ]
    m = investigation_measures(cases, *Q1)
    assert (m["reported"], m["persons_reported"], m["assessed"]) == (2, 2, 3)
    assert m["assessed_within_14_days"] == 2
    assert m["assessed_within_14_days_share"] == pytest.approx(2 / 3)


def test_median_duration_odd_and_even_and_none():
    odd = [
        case(date(2024, 1, 1), opened=date(2024, 1, 1), closed=date(2024, 1, 1) + d)
        for d in (timedelta(days=n) for n in (10, 30, 20))
    ]
    assert investigation_measures(odd, *Q1)["median_duration_days"] == 20
    even = [*odd, case(date(2024, 1, 1), opened=date(2024, 1, 1), closed=date(2024, 2, 10))]
    assert investigation_measures(even, *Q1)["median_duration_days"] == 25  # (20 + 30) / 2
    assert investigation_measures([case(date(2024, 1, 1))], *Q1)["median_duration_days"] is None


def test_the_same_person_with_several_cases_counts_once_per_measure():
    cases = [
        case(date(2024, 1, 5), opened=date(2024, 1, 20)),
        case(date(2024, 2, 5), opened=date(2024, 2, 20)),
        case(date(2024, 2, 5), person="p2"),
    ]
    m = investigation_measures(cases, *Q1)
    assert (m["reported"], m["persons_reported"], m["opened"], m["persons_opened"]) == (3, 2, 2, 1)


def test_cases_spanning_period_ends_are_ongoing_on_the_last_day():
    cases = [
        case(date(2023, 11, 1), opened=date(2023, 11, 10)),  # open across Q1: ongoing
        case(date(2024, 3, 1), opened=date(2024, 3, 31), closed=date(2024, 4, 2)),  # ongoing
        case(date(2024, 1, 1), opened=date(2024, 1, 5), closed=date(2024, 3, 31)),  # closed
        case(date(2024, 4, 1), opened=date(2024, 4, 1)),  # opened after the period
    ]
    m = investigation_measures(cases, *Q1)
    assert m["ongoing_on_last_day"] == 2
    assert (m["opened"], m["closed"]) == (2, 1)


def test_closed_over_four_months_and_its_share():
    cases = [
        case(date(2023, 10, 1), opened=date(2023, 10, 31), closed=date(2024, 2, 29)),
        case(date(2023, 10, 1), opened=date(2023, 10, 31), closed=date(2024, 3, 1), person="p2"),
    ]
    m = investigation_measures(cases, *Q1)
    assert (m["closed"], m["closed_over_4_months"], m["closed_over_4_months_share"]) == (2, 1, 0.5)


def test_by_outcome_only_the_closing_measures_are_filled():
    cases = [
        case(date(2024, 1, 1), opened=date(2024, 1, 2), closed=date(2024, 2, 1), outcome="insats")
    ]
    m = investigation_measures(cases, *Q1, closed_only=True)
    assert m["closed"] == 1 and m["median_duration_days"] == 30
    assert m["reported"] is None and m["opened"] is None and m["ongoing_on_last_day"] is None
    assert m["assessed_within_14_days_share"] is None


def test_cases_share_one_object_per_day_and_code_whatever_objects_their_events_brought():
    # A large ingest keeps a few hundred thousand aggregates in memory: equal values from
    # different events are one object.
    first, second = a_case(date(2024, 1, 10)), a_case(date.fromisoformat("2024-01-10"))
    step(first, "assess", date(2024, 1, 20), decision="inled_utredning")
    step(
        second,
        "assess",
        date.fromisoformat("2024-01-20"),
        decision="".join(["inled_", "utredning"]),
    )
    assert first.reported_on is second.reported_on
    assert first.assessed_on is second.assessed_on
    assert first.decision is second.decision
