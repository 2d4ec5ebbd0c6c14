"""Investigations end to end on both stores: feed lines in, report figures out, each
figure computed by hand in the test."""

import pytest

from adapters import application
from adapters.streams import INVESTIGATIONS
from tests.helpers import (
    MAN,
    assessed,
    case_report,
    case_total,
    closed,
    extended,
    ingest,
    lines,
    opened,
    rebuild,
    reported,
    rows_by,
    started,
    total,
)


def test_a_report_counts_in_the_period_of_its_date(volym):
    ingest(volym, reported("C1", "2023-03-31"), reported("C2", "2023-04-01"))
    assert case_total(volym, "2023-Q1")["reported"] == 1
    assert case_total(volym, "2023-Q2")["reported"] == 1
    assert case_total(volym, "2023-H1")["reported"] == 2
    assert case_total(volym, "2023-T1")["reported"] == 2
    assert case_total(volym, "2023-01..2023-03")["reported"] == 1
    assert case_total(volym, "2023-03-31..2023-04-01")["reported"] == 2
    assert case_total(volym, "2023")["reported"] == 2
    assert case_total(volym, "2022")["reported"] == 0


def test_the_fourteenth_day_after_the_report_is_in_time_and_the_fifteenth_is_not(volym):
    ingest(
        volym,
        reported("C1", "2023-03-01"),
        assessed("C1", "2023-03-15"),  # 14 days
        reported("C2", "2023-03-01"),
        assessed("C2", "2023-03-16", decision="ingen_utredning"),  # 15 days
    )
    t = case_total(volym, "2023-03")
    assert (t["assessed"], t["assessed_within_14_days"]) == (2, 1)
    assert t["assessed_within_14_days_share"] == 0.5


def test_an_assessment_counts_in_its_own_period_not_the_reports(volym):
    ingest(volym, reported("C1", "2023-03-25"), assessed("C1", "2023-04-03"))
    q1, q2 = case_total(volym, "2023-Q1"), case_total(volym, "2023-Q2")
    assert (q1["reported"], q1["assessed"], q1["assessed_within_14_days_share"]) == (1, 0, None)
    assert (q2["reported"], q2["assessed"], q2["assessed_within_14_days"]) == (0, 1, 1)


@pytest.mark.parametrize(
    ("opened_on", "in_time", "late"),
    [
        ("2023-10-31", "2024-02-29", "2024-03-01"),  # leap year: clamps to 29 February
        ("2022-10-31", "2023-02-28", "2023-03-01"),  # common year: 28 February
        ("2023-01-15", "2023-05-15", "2023-05-16"),
    ],
)
def test_four_months_boundary(volym, opened_on, in_time, late):
    ingest(
        volym,
        reported("C1", opened_on),
        opened("C1", opened_on),
        closed("C1", in_time),
        reported("C2", opened_on),
        opened("C2", opened_on),
        closed("C2", late),
    )
    t = case_total(volym, f"{opened_on[:4]}-01-01..{late}")
    assert (t["closed"], t["closed_over_4_months"], t["closed_over_4_months_share"]) == (2, 1, 0.5)


def test_median_duration_is_the_middle_value_or_the_mean_of_the_middle_two(volym):
    def case(n, closed_on):
        return [reported(n, "2023-01-02"), opened(n, "2023-01-02"), closed(n, closed_on)]

    ingest(volym, *case("A", "2023-03-01"), *case("B", "2023-03-11"), *case("C", "2023-04-02"))
    # 58, 68 and 90 days; in March only the first two
    assert case_total(volym, "2023-Q1")["median_duration_days"] == 63
    assert case_total(volym, "2023-03")["median_duration_days"] == 63
    assert case_total(volym, "2023")["median_duration_days"] == 68
    assert case_total(volym, "2023-05")["median_duration_days"] is None


def test_the_same_person_with_several_cases_counts_once_among_persons(volym):
    ingest(
        volym,
        reported("C1", "2023-02-01"),
        reported("C2", "2023-02-20"),
        reported("C3", "2023-02-21", person=MAN, target_group="vuxna_missbruk"),
        opened("C1", "2023-02-03"),
        opened("C2", "2023-02-22"),
    )
    t = case_total(volym, "2023-02")
    assert (t["reported"], t["persons_reported"]) == (3, 2)
    assert (t["opened"], t["persons_opened"]) == (2, 1)


def test_a_case_open_over_the_period_end_is_ongoing_on_the_last_day(volym):
    ingest(
        volym,
        reported("C1", "2023-03-01"),
        opened("C1", "2023-03-10"),
        closed("C1", "2023-04-20"),
        reported("C2", "2023-03-01"),
        opened("C2", "2023-03-10"),
        closed("C2", "2023-03-31"),  # closed on the last day: not ongoing
        reported("C3", "2022-11-01"),
        opened("C3", "2022-11-02"),  # never closed
    )
    assert case_total(volym, "2023-Q1")["ongoing_on_last_day"] == 2
    assert case_total(volym, "2023-Q2")["ongoing_on_last_day"] == 1
    assert case_total(volym, "2022")["ongoing_on_last_day"] == 1
    assert case_total(volym, "2022-10")["ongoing_on_last_day"] == 0


def test_a_case_belongs_to_the_groups_of_its_report(volym):
    ingest(
        volym,
        reported("C1", "2023-01-10", reporter="skola"),
        reported("C2", "2023-01-11", person=MAN, target_group="vuxna_vald", route="ansokan"),
        opened("C2", "2023-01-12"),
    )
    rows = rows_by(case_report(volym, "2023-01", by=("target_group",)), "target_group")
    assert (rows["barn_unga"]["reported"], rows["barn_unga"]["opened"]) == (1, 0)
    assert (rows["vuxna_vald"]["reported"], rows["vuxna_vald"]["opened"]) == (1, 1)
    by_reporter = rows_by(case_report(volym, "2023-01", by=("reporter",)), "reporter")
    assert set(by_reporter) == {"skola", None}
    ages = rows_by(case_report(volym, "2023-01", by=("age_group", "sex")), "age_group")
    assert ages["0-12"]["sex"] == "kvinna"  # the girl was 10 on her report date
    assert ages["21-64"]["sex"] == "man"
    routes = case_report(volym, "2023-01", where=("route=ansokan",))
    assert routes["totals"][0]["reported"] == 1


def test_by_outcome_fills_only_the_closing_measures(volym):
    ingest(
        volym,
        reported("C1", "2023-01-02"),
        opened("C1", "2023-01-02"),
        closed("C1", "2023-02-01", outcome="insats"),
        reported("C2", "2023-01-02"),
        opened("C2", "2023-01-02"),
        closed("C2", "2023-03-01", outcome="ingen_insats"),
        reported("C3", "2023-03-15"),
    )
    result = case_report(volym, "2023-Q1", by=("outcome",))
    rows = rows_by(result, "outcome")
    assert set(rows) == {"insats", "ingen_insats"}
    assert rows["insats"]["closed"] == 1 and rows["insats"]["median_duration_days"] == 30
    for measure in ("reported", "persons_reported", "assessed", "opened", "ongoing_on_last_day"):
        assert rows["insats"][measure] is None
    totals = result["totals"][0]
    assert (totals["reported"], totals["closed"]) == (3, 2)  # the period's totals stay whole
    filtered = case_report(volym, "2023-Q1", where=("outcome=insats",))["totals"][0]
    assert (filtered["closed"], filtered["reported"]) == (1, None)


def test_time_dimension_splits_the_period(volym):
    ingest(volym, reported("C1", "2023-01-31"), reported("C2", "2023-02-01"))
    result = case_report(volym, "2023-Q1", by=("month",))
    assert [(r["month"], r["reported"]) for r in result["rows"]] == [
        ("2023-01", 1),
        ("2023-02", 1),
    ]


def test_events_registered_late_and_out_of_date_order_land_on_their_dates(volym):
    ingest(volym, reported("C1", "2023-01-10"), opened("C1", "2023-01-20"))
    ingest(volym, assessed("C1", "2023-01-12"), extended("C1", "2023-05-01", "2023-07-20"))
    ingest(volym, closed("C1", "2023-07-15"))
    jan = case_total(volym, "2023-01")
    assert (jan["assessed"], jan["assessed_within_14_days"], jan["opened"]) == (1, 1, 1)
    july = case_total(volym, "2023-07")
    assert (july["closed"], july["closed_over_4_months"]) == (1, 1)  # an extension excuses nothing


@pytest.mark.parametrize(
    ("events", "reason"),
    [
        ([opened("X", "2023-01-02")], "unknown case X"),
        ([reported("R", "2023-01-02"), reported("R", "2023-01-03")], "already reported"),
        (
            [reported("O", "2023-01-02"), opened("O", "2023-01-03"), opened("O", "2023-01-04")],
            "already opened",
        ),
        ([reported("N", "2023-01-02"), closed("N", "2023-01-05")], "no opened investigation"),
        ([reported("B", "2023-01-10"), assessed("B", "2023-01-09")], "before the report date"),
        (
            [reported("E", "2023-01-02"), opened("E", "2023-01-03"), closed("E", "2023-01-02")],
            "before the investigation was opened",
        ),
        (
            [
                reported("K", "2023-01-02"),
                opened("K", "2023-01-03"),
                closed("K", "2023-01-04"),
                opened("K", "2023-01-05"),
            ],
            "closed and cannot be opened",
        ),
        (
            [reported("L", "2023-01-02"), extended("L", "2023-01-03", "2023-06-01")],
            "only an open investigation",
        ),
    ],
)
def test_events_against_the_rules_are_rejected_with_their_reason(volym, events, reason):
    result = ingest(volym, *events)
    assert result.rejected == 1
    assert reason in result.rejections[0].reasons[0]
    assert result.rejections[0].line_no == len(events)
    assert result.accepted == len(events) - 1


def test_bad_lines_name_the_field_and_lose_nothing_valid(volym):
    feed = lines(
        reported("C1", "2023-01-02", target_group="barn"),
        reported("C2", "2023-01-02", route="brev", reporter="granne"),
        {**assessed("C1", "2023-01-03"), "decision": "kanske"},
        reported("C3", "2023-01-02", person="201205142382"),
        reported("C4", "2023-01-02"),
        closed("C4", "2023-01-03", outcome="klar"),
        {**opened("C4", "2023-01-03"), "until": "2023-02-01"},
    )
    result = application.ingest_lines(volym, feed)
    reasons = {r.line_no: " ".join(r.reasons) for r in result.rejections}
    assert result.accepted == 1
    assert "target_group" in reasons[1]
    assert "route" in reasons[2] and "reporter" in reasons[2]
    assert "decision" in reasons[3]
    assert "person" in reasons[4] and "201205142382" not in reasons[4]
    assert "outcome" in reasons[6]
    assert "until: unknown field" in reasons[7]
    assert case_total(volym, "2023-01")["reported"] == 1


def test_placements_and_investigations_in_one_file_each_reach_their_report(volym):
    ingest(volym, started("P1", "2023-01-01"), reported("C1", "2023-01-05"))
    assert total(volym, "2023-01")["care_days"] == 31
    assert case_total(volym, "2023-01")["reported"] == 1


def test_rebuild_gives_the_same_investigation_figures(volym):
    ingest(
        volym,
        reported("C1", "2023-01-10"),
        assessed("C1", "2023-01-12"),
        opened("C1", "2023-01-20"),
        closed("C1", "2023-06-01", outcome="avslag"),
        reported("C2", "2023-02-10", person=MAN, target_group="ekonomiskt_bistand"),
    )
    before = case_report(volym, "2023", "2023-Q1", by=("target_group", "quarter"))
    view = rebuild(volym, INVESTIGATIONS)
    assert view.generation == 2
    assert case_report(volym, "2023", "2023-Q1", by=("target_group", "quarter")) == before
