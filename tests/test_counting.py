"""Reports count in SQL; the reference counts the same rows in Python (investigations), or
reads each month's composition from the households' documents (households). Random
histories, every dimension alone and in pairs, filters and several period lengths, on
both stores: the figures are the same."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest

from adapters.projection.projector import Projector
from adapters.reports.households import HOUSEHOLDS, household_report
from adapters.reports.investigations import INVESTIGATIONS, investigation_report
from adapters.reports.request import ReportKind, parse_request
from adapters.streams import HOUSEHOLDS as HOUSEHOLD_STREAM
from adapters.streams import INVESTIGATIONS as INVESTIGATION_STREAM
from domain.vocabulary import (
    INVESTIGATION_TARGET_GROUPS,
    OUTCOMES,
    REPORTERS,
    ROUTES,
)
from tests.helpers import (
    GIRL,
    MAN,
    OTHER_MAN,
    WOMAN,
    assessed,
    closed,
    composition,
    household,
    household_closed,
    ingest,
    opened,
    paid,
    reported,
    reversal,
)

PERIODS = ("2022-Q4", "2023", "2023-Q3", "2023-10", "2024-Q1")  # 2022: no data
PERSONS = (GIRL, MAN, WOMAN, OTHER_MAN)  # few: persons counted once per group matters


def _case(rng: random.Random, n: int) -> list[dict[str, Any]]:
    cid, day = f"C{n}", date(2023, 1, 1) + timedelta(days=rng.randint(0, 420))
    person = rng.choice(PERSONS)
    adult_groups = [g for g in INVESTIGATION_TARGET_GROUPS if g != "barn_unga"]
    facts = {
        "person": person,
        "target_group": "barn_unga" if person == GIRL else rng.choice(adult_groups),
        "route": rng.choice(ROUTES),
    }
    if rng.random() < 0.7:
        facts["reporter"] = rng.choice(REPORTERS)
    events = [reported(cid, day.isoformat(), **facts)]
    if rng.random() < 0.85:
        day += timedelta(days=rng.randint(0, 25))  # over 14 days now and then
        events.append(assessed(cid, day.isoformat()))
        if rng.random() < 0.8:
            day += timedelta(days=rng.randint(0, 10))
            events.append(opened(cid, day.isoformat()))
            if rng.random() < 0.7:
                # 120-130 days: both sides of four months, month ends included
                day += timedelta(days=rng.choice((0, 30, 119, 120, 121, 123, 200)))
                events.append(closed(cid, day.isoformat(), outcome=rng.choice(OUTCOMES)))
    return events


REQUESTS: list[tuple[list[str], list[str]]] = [
    ([], []),
    (["target_group"], []),
    (["route"], []),
    (["reporter"], []),
    (["sex"], []),
    (["age_group"], []),
    (["outcome"], []),
    (["target_group", "route"], []),
    (["month"], []),
    ([], ["route=anmalan"]),
    (["target_group"], ["outcome=insats", "outcome=avslag"]),
    (["reporter"], ["target_group=barn_unga"]),
]


@pytest.mark.parametrize("seed", [1, 2])
def test_investigations_counted_in_sql_equal_the_python_count(volym, seed):
    rng = random.Random(seed)
    summary = ingest(volym, *(e for n in range(160) for e in _case(rng, n)))
    assert summary.rejected == 0, [r.reasons for r in summary.rejections]
    view = Projector(volym, INVESTIGATION_STREAM).readable_view()
    _same_both_ways(investigation_report, view, INVESTIGATIONS, PERIODS, REQUESTS)


def _same_both_ways(
    report: Any,
    view: Any,
    kind: ReportKind,
    periods: tuple[str, ...],
    requests: list[tuple[list[str], list[str]]],
) -> None:
    """Each request's report counted in SQL equals the reference's."""
    rows = []
    for by, where in requests:
        request = parse_request(kind, periods, by, where)
        in_sql = report(view, request)
        assert in_sql == report(view, request, in_sql=False), (by, where)
        rows += in_sql["rows"]
    # The histories reach every measure: a comparison of zeros would prove nothing.
    for measure in kind.measures:
        assert any(row[measure] for row in rows), measure


def test_a_hand_counted_quarter(volym):
    # Q3 2023: C1 reported and assessed in 14 days; C2 reported in June, opened in July,
    # open at the end; C3 reported by C1's person, assessed after 15 days. Q1 2024: C1,
    # opened 31 Oct, closed 28 Feb after 120 days: not over four months (31 Oct + 4 months
    # is 29 Feb 2024).
    summary = ingest(
        volym,
        reported("C1", "2023-07-03", person=GIRL),
        assessed("C1", "2023-07-17"),
        opened("C1", "2023-10-31"),
        closed("C1", "2024-02-28"),
        reported("C2", "2023-06-20", person=MAN, target_group="vuxna_missbruk"),
        assessed("C2", "2023-06-30"),
        opened("C2", "2023-07-10"),
        reported("C3", "2023-08-01", person=GIRL),
        assessed("C3", "2023-08-16"),
    )
    assert summary.rejected == 0, [r.reasons for r in summary.rejections]
    view = Projector(volym, INVESTIGATION_STREAM).readable_view()
    q3 = investigation_report(view, parse_request(INVESTIGATIONS, ["2023-Q3"]))["totals"][0]
    assert (q3["reported"], q3["persons_reported"]) == (2, 1)
    assert (q3["assessed"], q3["assessed_within_14_days"]) == (2, 1)
    assert (q3["opened"], q3["persons_opened"], q3["ongoing_on_last_day"]) == (1, 1, 1)
    assert (q3["closed"], q3["median_duration_days"]) == (0, None)
    q1 = investigation_report(view, parse_request(INVESTIGATIONS, ["2024-Q1"]))["totals"][0]
    assert (q1["closed"], q1["median_duration_days"], q1["closed_over_4_months"]) == (1, 120, 0)
    assert (q1["ongoing_on_last_day"], q1["reported"]) == (1, 0)


ADULTS = (MAN, WOMAN, OTHER_MAN)


def _household(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """Payments for a run of months, and compositions changed on any day (mid-month, on a
    first, dated back before payments already made), some reversed, some closed."""
    hid, day = f"H{n}", date(2023, 1, 1) + timedelta(days=rng.randint(0, 400))
    events = [household(hid, day.isoformat(), applicant=rng.choice(ADULTS))]
    first_month = day.replace(day=1)
    for m in range(rng.randint(1, 14)):
        index = first_month.month - 1 + m
        month = date(first_month.year + index // 12, index % 12 + 1, 1)
        pay_day = max(month, day).isoformat()
        kind = rng.choice(("forsorjningsstod", "forsorjningsstod", "ovrigt"))
        events.append(paid(hid, pay_day, f"{hid}-{m}", month.isoformat()[:7], "4200.00", kind=kind))
        if rng.random() < 0.15:
            events.append(reversal(hid, pay_day, f"{hid}-{m}", amount="4200.00"))
        if rng.random() < 0.25:
            effective = day + timedelta(days=rng.randint(0, 40 * (m + 1)))
            change = rng.choice(
                (
                    {"children": rng.randint(0, 3)},
                    {"newly_arrived": rng.random() < 0.5},
                    {"co_applicant": rng.choice((None, *ADULTS))},
                )
            )
            events.append(composition(hid, effective.isoformat(), **change))
    if rng.random() < 0.2:
        last_day = day + timedelta(days=rng.randint(0, 400))
        events.append(household_closed(hid, last_day.isoformat()))
    return events


HOUSEHOLD_PERIODS = ("2022-10", "2023", "2023-07..2023-09", "2024", "2024-02")
HOUSEHOLD_REQUESTS: list[tuple[list[str], list[str]]] = [
    ([], []),
    (["kind"], []),
    (["newly_arrived"], []),
    (["with_children"], []),
    (["kind", "with_children"], []),
    (["month"], []),
    ([], ["newly_arrived=true"]),
    (["kind"], ["with_children=false"]),
    (["with_children"], ["kind=ovrigt"]),  # a kind's payments only, not grouped by kind
]


@pytest.mark.parametrize("seed", [1, 2])
def test_households_joined_in_sql_equal_the_documents_read_in_python(volym, seed):
    rng = random.Random(seed)
    summary = ingest(volym, *(e for n in range(60) for e in _household(rng, n)))
    assert summary.accepted > 400
    view = Projector(volym, HOUSEHOLD_STREAM).readable_view()
    _same_both_ways(household_report, view, HOUSEHOLDS, HOUSEHOLD_PERIODS, HOUSEHOLD_REQUESTS)
