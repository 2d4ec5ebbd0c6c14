"""budget.md's arithmetic, computed by hand: the budget of a period, the deviation's
sense, the Kaplan–Meier survival and the forecasts built on it."""

from datetime import date
from decimal import Decimal

import pytest

from domain.budget import (
    BELOW_BUDGET,
    MORE_THAN_BUDGET,
    Budget,
    BudgetRow,
    deviation,
    deviation_sense,
    period_budget,
)
from domain.errors import DomainError
from domain.forecast import (
    InCare,
    Survival,
    continuing,
    newcomers,
    run_rate,
    scaled_to_year,
    stay_forecast,
    three_month_forecast,
)


def row(kind="placements", measure="care_days", budget="365", months=None, year=2021):
    return BudgetRow(year, "r", "R", kind, measure, (), Decimal(budget), months)


def test_a_placement_sum_is_spread_over_the_year_by_calendar_days():
    # 365 care days in 2021: January 31, January to August 243, 1-15 February 15.
    assert period_budget(row(), date(2021, 1, 1), date(2021, 1, 31)) == 31
    assert period_budget(row(), date(2021, 1, 1), date(2021, 8, 31)) == 243
    assert period_budget(row(), date(2021, 2, 1), date(2021, 2, 15)) == 15


def test_another_kinds_sum_is_spread_equally_and_a_part_month_by_its_share_of_days():
    households = row("households", "amount", "1200")
    assert period_budget(households, date(2021, 1, 1), date(2021, 8, 31)) == 800
    # Half of February (14 of 28 days) of a month's 100.
    assert period_budget(households, date(2021, 2, 1), date(2021, 2, 14)) == 50


def test_given_months_are_summed_and_a_level_is_weighted_by_days():
    months = tuple(Decimal(m) for m in (10, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    assert period_budget(row(budget="30", months=months), date(2021, 1, 1), date(2021, 2, 28)) == 30
    levels = tuple(Decimal(m) for m in (3, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6))
    level = row(measure="average_placements", budget="6", months=levels)
    # (3 x 31 + 6 x 28) / 59 days
    assert period_budget(level, date(2021, 1, 1), date(2021, 2, 28)) == Decimal(261) / 59
    # Without months a level is the year's value in every part of the year.
    assert period_budget(row(measure="average_placements", budget="7.0"),
                         date(2021, 1, 1), date(2021, 8, 31)) == Decimal("7.0")  # fmt: skip


def test_a_period_outside_the_budget_year_is_refused():
    with pytest.raises(DomainError):
        period_budget(row(), date(2020, 12, 1), date(2021, 1, 31))


def test_the_deviation_is_positive_for_more_done_and_for_less_spent():
    assert deviation_sense("average_placements") == MORE_THAN_BUDGET
    assert deviation("average_placements", Decimal("9.4"), Decimal("7.0")) == Decimal("2.4")
    assert deviation_sense("cost") == BELOW_BUDGET
    assert deviation("cost", Decimal(120), Decimal(100)) == -20
    assert deviation("cost_per_care_day", Decimal(90), Decimal(100)) == 10


def test_the_same_file_again_changes_nothing_and_an_override_needs_a_row_and_a_reason():
    facts = [row().as_fact()]
    budget = Budget(year=2021, rows=facts, digest="d1", by="me")
    assert not budget.revise(facts, "d1", "me")
    assert budget.revise(facts, "d2", "me")
    with pytest.raises(DomainError):
        budget.override("unknown", Decimal(1), "why", "me")
    with pytest.raises(DomainError):
        budget.override("r", Decimal(1), "  ", "me")
    budget.override("r", Decimal("9.2"), "två placeringar avslutas", "me")
    assert budget.overrides["r"]["value"] == "9.2"
    budget.clear_override("r", "me")
    assert budget.overrides == {}


# Days in care and whether the placement ended (False: still in care, censored).
HISTORY = [(2, True), (3, True), (3, True), (4, False), (5, True)]


def test_kaplan_meier_by_hand_with_ties_and_censoring():
    s = Survival(HISTORY)
    # t=2: 5 at risk, 1 ends -> 4/5. t=3: 4 at risk, 2 end -> 4/5 x 2/4 = 0.4.
    # t=4: the censored one leaves without an end. t=5: 1 at risk, 1 ends -> 0.
    assert [s(t) for t in range(0, 7)] == pytest.approx([1, 1, 0.8, 0.4, 0.4, 0, 0])


def test_one_censored_at_the_time_another_ends_is_still_at_risk_then():
    s = Survival([(3, True), (3, False), (4, True)])
    assert s(3) == pytest.approx(2 / 3)  # 3 at risk at t=3, one ends
    assert s(4) == 0  # the censored one is gone; 1 at risk, it ends


def test_a_group_without_history_continues():
    s = Survival([])
    assert s(0) == s(1000) == 1
    stays = continuing(InCare(date(2021, 1, 1), 100.0), date(2021, 8, 31), date(2021, 12, 31), s)
    assert (stays.care_days, stays.cost, stays.ended) == (122, 12_200, 0)


def test_a_placement_in_care_continues_by_its_groups_survival():
    s = Survival(HISTORY)
    # In care on 29 December on its third day: S(3) = 0.4. In care on 30 and 31
    # December with S(3)/S(3) = 1 and S(4)/S(3) = 1; ends by the year's end with
    # (S(3) - S(5)) / S(3) = 1.
    expected = continuing(
        InCare(date(2021, 12, 27), 1000.0), date(2021, 12, 29), date(2021, 12, 31), s
    )
    assert expected.care_days == pytest.approx(2)
    assert expected.cost == pytest.approx(2000)
    assert expected.ended == pytest.approx(1)


def test_new_placements_start_at_the_trailing_rate_and_stay_by_the_survival():
    s = Survival(HISTORY)
    # Three days left (29-31 December), one new placement a day. Starting on the 29th it
    # is in care 1 + S(1) + S(2) = 2.8 days, on the 30th 1 + S(1) = 2, on the 31st 1.
    # It ends by the 31st with 1 - S(3) = 0.6, 1 - S(2) = 0.2 and 1 - S(1) = 0.
    expected = newcomers(1.0, 500.0, date(2021, 12, 28), date(2021, 12, 31), s)
    assert expected.care_days == pytest.approx(5.8)
    assert expected.cost == pytest.approx(2900)
    assert expected.started == pytest.approx(3)
    assert expected.ended == pytest.approx(0.8)


def test_the_run_rate_keeps_what_is_in_care_on_c():
    in_care = [InCare(date(2021, 1, 1), 100.0), InCare(date(2021, 6, 1), 50.0)]
    steady = run_rate(in_care, date(2021, 8, 31), date(2021, 12, 31))
    assert (steady.care_days, steady.cost, steady.started) == (244, 18_300, 0)


def test_households_mean_of_the_last_three_months_and_the_run_rate():
    known = [100.0, 110.0, 120.0, 150.0]  # January to April
    # Eight months after April at (110 + 120 + 150) / 3 = 126.67.
    assert three_month_forecast(known) == pytest.approx(480 + 8 * 380 / 3)
    assert stay_forecast(known) == pytest.approx(480 + 8 * 150)


def test_investigations_scale_by_days_as_the_contracts_example():
    # budget.md: 1 477 by 31 August 2023 -> 1 477 x 365 / 243; 329 -> 494.
    assert scaled_to_year(1477, date(2023, 8, 31)) == pytest.approx(1477 * 365 / 243)
    assert round(scaled_to_year(329, date(2023, 8, 31))) == 494
