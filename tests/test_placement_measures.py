"""Every placement measure of reports.md, computed by hand on small histories.
Runs on SQLite and PostgreSQL (the `volym` fixture)."""

import pytest

from tests.helpers import MAN, changed, ended, ingest, report, rows_by, started, total, voided


def test_worked_example_of_the_feed_contract(volym):
    ingest(
        volym,
        started(
            "P1001",
            "2023-01-10",
            person="201205142381",
            form="hvb",
            legal_basis="lvu",
            regi="extern",
            daily_cost="4150.00",
        ),
        changed("P1001", "2023-02-01", form="familjehem", regi="egen", daily_cost="620.00"),
        ended("P1001", "2023-03-15"),
    )
    result = report(volym, "2023-Q1", by=("form",))
    forms = rows_by(result, "form")
    assert forms["hvb"]["care_days"] == 22  # 10–31 Jan
    assert forms["familjehem"]["care_days"] == 43  # 1 Feb–15 Mar
    q1 = result["totals"][0]
    assert q1["care_days"] == 65
    assert q1["average_placements"] == pytest.approx(65 / 90)
    assert q1["cost"] == 22 * 4150 + 43 * 620 == 117960
    assert q1["cost_per_care_day"] == pytest.approx(117960 / 65)


def test_first_and_last_day_in_care_both_count(volym):
    ingest(volym, started("P1", "2023-03-31"), ended("P1", "2023-04-01"))
    q1, q2 = total(volym, "2023-Q1"), total(volym, "2023-Q2")
    assert (q1["care_days"], q1["started"], q1["ended"], q1["active_on_last_day"]) == (1, 1, 0, 1)
    assert (q2["care_days"], q2["started"], q2["ended"], q2["active_on_last_day"]) == (1, 0, 1, 0)


def test_a_one_day_placement_has_one_care_day(volym):
    ingest(volym, started("P1", "2023-05-17"), ended("P1", "2023-05-17"))
    may = total(volym, "2023-05")
    assert (may["care_days"], may["started"], may["ended"], may["cost"]) == (1, 1, 1, 1000.0)


def test_leap_year_february_has_29_care_days(volym):
    ingest(volym, started("P1", "2024-01-15"), ended("P1", "2024-03-05"))
    feb = total(volym, "2024-02")
    assert (feb["care_days"], feb["days"], feb["average_placements"]) == (29, 29, 1.0)
    q1 = total(volym, "2024-Q1")
    assert (q1["care_days"], q1["days"]) == (17 + 29 + 5, 91)


def test_an_open_placement_is_in_care_to_the_end_of_the_period(volym):
    ingest(volym, started("P1", "2023-12-01"))
    year = total(volym, "2023")
    assert (year["care_days"], year["active_on_last_day"], year["ended"]) == (31, 1, 0)
    assert total(volym, "2024-Q1")["care_days"] == 91


def test_placements_outside_the_period_leave_no_rows(volym):
    ingest(
        volym, started("P1", "2022-01-01"), ended("P1", "2022-12-31"), started("P2", "2023-04-01")
    )
    result = report(volym, "2023-Q1", by=("form",))
    assert result["rows"] == []
    q1 = result["totals"][0]
    assert (q1["care_days"], q1["cost"], q1["cost_per_care_day"], q1["persons"]) == (
        0,
        0.0,
        None,
        0,
    )


def test_change_of_cost_mid_quarter_splits_the_cost(volym):
    ingest(
        volym,
        started("P1", "2023-01-01", daily_cost="1000.00"),
        changed("P1", "2023-02-15", daily_cost="1500.50"),
        ended("P1", "2023-03-31"),
    )
    q1 = total(volym, "2023-Q1")
    assert q1["care_days"] == 90
    assert q1["cost"] == pytest.approx(45 * 1000 + 45 * 1500.50)


def test_change_of_form_mid_quarter_splits_care_days(volym):
    ingest(
        volym,
        started("P1", "2023-01-01", form="jourhem"),
        changed("P1", "2023-03-01", form="familjehem"),
    )
    groups = rows_by(report(volym, "2023-Q1", by=("form_group",)), "form_group")
    assert groups["jourhem"]["care_days"] == 59
    assert groups["familjehem"]["care_days"] == 31
    assert groups["jourhem"]["started"] == 1 and groups["familjehem"]["started"] == 0
    assert (
        groups["familjehem"]["active_on_last_day"] == 1
        and groups["jourhem"]["active_on_last_day"] == 0
    )
    assert groups["jourhem"]["persons"] == groups["familjehem"]["persons"] == 1


def test_a_change_on_the_first_day_decides_what_started_counts_by(volym):
    ingest(volym, started("P1", "2023-01-10", form="hvb"), changed("P1", "2023-01-10", form="sis"))
    forms = rows_by(report(volym, "2023-Q1", by=("form",)), "form")
    assert list(forms) == ["sis"] and forms["sis"]["started"] == 1


def test_ended_counts_by_the_values_on_the_last_day(volym):
    ingest(
        volym,
        started("P1", "2023-01-01", legal_basis="lvu"),
        changed("P1", "2023-03-01", legal_basis="sol"),
        ended("P1", "2023-03-10"),
    )
    bases = rows_by(report(volym, "2023-Q1", by=("legal_basis",)), "legal_basis")
    assert (bases["sol"]["ended"], bases["lvu"]["ended"]) == (1, 0)
    assert (bases["lvu"]["care_days"], bases["sol"]["care_days"]) == (59, 10)


def test_a_later_end_corrects_the_end_date(volym):
    ingest(volym, started("P1", "2023-01-01"), ended("P1", "2023-03-31"), ended("P1", "2023-01-31"))
    q1 = total(volym, "2023-Q1")
    assert (q1["care_days"], q1["ended"], q1["active_on_last_day"]) == (31, 1, 0)


def test_an_end_corrected_to_before_a_change_drops_the_change(volym):
    ingest(
        volym,
        started("P1", "2023-01-01", form="hvb"),
        changed("P1", "2023-03-01", form="sis"),
        ended("P1", "2023-03-31"),
        ended("P1", "2023-02-10"),
    )
    forms = rows_by(report(volym, "2023-Q1", by=("form",)), "form")
    assert list(forms) == ["hvb"] and forms["hvb"]["care_days"] == 41
    assert forms["hvb"]["ended"] == 1


def test_a_voided_placement_counts_nowhere(volym):
    ingest(
        volym,
        started("P1", "2023-01-01"),
        ended("P1", "2023-02-01"),
        voided("P1", "2023-01-01"),
        started("P2", "2023-01-01", person=MAN, target_group="vuxna_missbruk"),
    )
    q1 = total(volym, "2023-Q1")
    assert (q1["care_days"], q1["started"], q1["ended"], q1["persons"]) == (90, 1, 0, 1)


def test_a_late_registered_earlier_change_lands_on_its_own_days(volym):
    ingest(
        volym,
        started("P1", "2023-01-01", daily_cost="100.00"),
        changed("P1", "2023-03-01", daily_cost="300.00"),
        changed("P1", "2023-02-01", daily_cost="200.00"),
        ended("P1", "2023-03-31"),
    )
    assert total(volym, "2023-Q1")["cost"] == 31 * 100 + 28 * 200 + 31 * 300


def test_persons_count_once_per_group_and_once_in_the_total(volym):
    ingest(
        volym,
        started("P1", "2023-01-01", form="hvb"),
        ended("P1", "2023-01-31"),
        started("P2", "2023-02-01", form="familjehem"),
        ended("P2", "2023-02-28"),
        started("P3", "2023-02-01", form="familjehem", person=MAN, target_group="vuxna_ovriga"),
    )
    result = report(volym, "2023-Q1", by=("form_group",))
    groups = rows_by(result, "form_group")
    assert (groups["institution"]["persons"], groups["familjehem"]["persons"]) == (1, 2)
    assert result["totals"][0]["persons"] == 2


def test_sex_age_group_and_unaccompanied_come_from_the_person_and_first_day(volym):
    # The girl turns 13 on 2025-05-14: a placement starting that day is 13-17.
    ingest(
        volym,
        started("P1", "2025-05-14", unaccompanied=True),
        started("P2", "2025-05-13"),
        started("P3", "2025-05-01", person=MAN, target_group="vuxna_missbruk"),
    )
    result = report(volym, "2025-05", by=("sex", "age_group", "unaccompanied"))
    keyed = {(r["sex"], r["age_group"], r["unaccompanied"]): r["care_days"] for r in result["rows"]}
    assert keyed == {
        ("kvinna", "13-17", True): 18,
        ("kvinna", "0-12", False): 19,
        ("man", "21-64", False): 31,
    }
    assert result["totals"][0]["persons"] == 2


def test_provider_groups_include_placements_without_a_provider(volym):
    ingest(volym, started("P1", "2023-01-01", provider="Solvik"), started("P2", "2023-01-01"))
    providers = rows_by(report(volym, "2023-01", by=("provider",)), "provider")
    assert providers["Solvik"]["care_days"] == providers[None]["care_days"] == 31


def test_month_dimension_splits_the_period_with_each_months_days(volym):
    ingest(volym, started("P1", "2023-01-20"), ended("P1", "2023-03-05"))
    result = report(volym, "2023-Q1", by=("month",))
    months = [
        (r["month"], r["care_days"], r["days"], r["started"], r["ended"]) for r in result["rows"]
    ]
    assert months == [
        ("2023-01", 12, 31, 1, 0),
        ("2023-02", 28, 28, 0, 0),
        ("2023-03", 5, 31, 0, 1),
    ]
    assert all(r["period"] == "2023-Q1" for r in result["rows"])
    assert result["totals"][0]["care_days"] == 45


def test_where_filters_and_side_by_side_periods(volym):
    ingest(
        volym,
        started("P1", "2022-01-01"),
        started("P2", "2023-01-01", person=MAN, target_group="vuxna_missbruk", legal_basis="lvm"),
    )
    result = report(volym, "2022-Q1", "2023-Q1", where=("target_group=barn_unga",))
    assert [t["care_days"] for t in result["totals"]] == [90, 90]
    assert result["rows"] == result["totals"]  # no --by: rows equal totals
    assert result["where"] == {"target_group": "barn_unga"}
    both = report(volym, "2023-Q1", where=("target_group=barn_unga", "target_group=vuxna_missbruk"))
    assert both["totals"][0]["care_days"] == 180


def test_json_shape_carries_every_measure_in_every_row(volym):
    ingest(volym, started("P1", "2023-01-10"))
    result = report(volym, "2023-01..2023-08", by=("form_group",))
    assert result["periods"] == [
        {"label": "2023-01..2023-08", "start": "2023-01-01", "end": "2023-08-31", "days": 243}
    ]
    expected = {
        "period",
        "form_group",
        "care_days",
        "days",
        "average_placements",
        "cost",
        "cost_per_care_day",
        "started",
        "ended",
        "active_on_last_day",
        "persons",
    }
    assert set(result["rows"][0]) == expected
    assert result["rows"][0]["period"] == "2023-01..2023-08"
    assert result["as_of"] is None and result["by"] == ["form_group"]
