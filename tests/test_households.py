"""Benefit households end to end on both stores: feed lines in, report figures out, each
figure computed by hand in the test."""

import pytest

from adapters import application
from adapters.errors import UserError
from adapters.streams import HOUSEHOLDS
from tests.helpers import (
    MAN,
    OTHER_MAN,
    WOMAN,
    composition,
    household,
    household_closed,
    household_report_of,
    household_total,
    ingest,
    lines,
    paid,
    rebuild,
    reversal,
    rows_by,
)


def test_a_payment_counts_in_the_month_it_is_for_not_the_day_it_was_paid(volym):
    ingest(volym, household("H1", "2023-01-01"), paid("H1", "2023-03-05", "B1", "2023-02", "5000"))
    q1 = household_total(volym, "2023-Q1")
    assert (q1["household_months"], q1["amount"]) == (1, 5000.0)
    assert q1["households_avg_per_month"] == pytest.approx(1 / 3)
    assert q1["cost_per_household"] == pytest.approx(15000)
    assert household_total(volym, "2023-02")["household_months"] == 1
    assert household_total(volym, "2023-03")["household_months"] == 0
    assert household_total(volym, "2023-03")["cost_per_household"] is None


def test_a_late_payment_for_an_earlier_month_adds_to_that_month(volym):
    ingest(volym, household("H1", "2023-01-01"), paid("H1", "2023-01-25", "B1", "2023-01", "8000"))
    ingest(volym, paid("H1", "2023-05-02", "B2", "2023-01", "1500.50"))
    jan = household_total(volym, "2023-01")
    assert (jan["household_months"], jan["amount"], jan["cost_per_household"]) == (
        1,
        9500.5,
        9500.5,
    )
    assert household_total(volym, "2023-05")["amount"] == 0


def test_partial_and_full_reversals_net_the_month_and_a_fully_reversed_month_counts_not(volym):
    ingest(
        volym,
        household("H1", "2023-01-01"),
        paid("H1", "2023-01-25", "B1", "2023-01", "10000"),
        paid("H1", "2023-02-25", "B2", "2023-02", "3000"),
        reversal("H1", "2023-03-10", "B1", amount="4000"),
        reversal("H1", "2023-03-10", "B2"),  # all of it
    )
    q1 = household_total(volym, "2023-Q1")
    assert (q1["household_months"], q1["amount"]) == (1, 6000.0)
    assert household_total(volym, "2023-02")["household_months"] == 0


def test_a_reversal_never_exceeds_what_is_left_of_its_payment(volym):
    result = ingest(
        volym,
        household("H1", "2023-01-01"),
        paid("H1", "2023-01-25", "B1", "2023-01", "10000"),
        reversal("H1", "2023-02-01", "B1", amount="4000"),
        reversal("H1", "2023-02-02", "B1", amount="6000.01"),
        reversal("H1", "2023-02-03", "B1"),
        reversal("H1", "2023-02-04", "B1", amount="1"),
        reversal("H1", "2023-02-05", "B9"),
    )
    reasons = [r.reasons[0] for r in result.rejections]
    assert result.accepted == 4
    assert "exceeds what is left of payment B1 (6000" in reasons[0]
    assert "already fully reversed" in reasons[1]
    assert "no payment B9" in reasons[2]
    assert household_total(volym, "2023-01")["amount"] == 0


def test_a_household_registered_mid_month_counts_with_its_registration_values(volym):
    ingest(
        volym,
        household("H1", "2023-03-15", children=2),
        composition("H1", "2023-03-15", children=3),  # corrected the same day
        composition("H1", "2023-03-20", children=4),
        composition("H1", "2023-05-01", children=0),
        *(paid("H1", f"2023-0{m}-25", f"B{m}", f"2023-0{m}", "9000") for m in (3, 4, 5)),
    )
    assert household_total(volym, "2023-03")["children_avg_per_month"] == 3
    assert household_total(volym, "2023-04")["children_avg_per_month"] == 4
    assert household_total(volym, "2023-05")["children_avg_per_month"] == 0  # from the 1st
    assert household_total(volym, "2023-03..2023-05")["children_avg_per_month"] == 7 / 3
    rows = rows_by(household_report_of(volym, "2023-Q2", by=("with_children",)), "with_children")
    assert (rows[True]["household_months"], rows[False]["household_months"]) == (1, 1)


def test_composition_changes_decide_the_adults_counted(volym):
    ingest(
        volym,
        household("H1", "2023-01-01", co_applicant=WOMAN),
        composition("H1", "2023-02-10", co_applicant=None),  # she moves out mid-February
        composition("H1", "2023-04-01", co_applicant=OTHER_MAN),
        *(paid("H1", f"2023-0{m}-25", f"B{m}", f"2023-0{m}", "9000") for m in (1, 2, 3, 4)),
    )
    assert household_total(volym, "2023-01")["persons"] == 2
    assert household_total(volym, "2023-02")["persons"] == 2  # in force on 1 February
    assert household_total(volym, "2023-03")["persons"] == 1
    assert household_total(volym, "2023-01..2023-04")["persons"] == 3


def test_by_kind_a_household_counts_where_its_net_amount_of_that_kind_is_above_zero(volym):
    ingest(
        volym,
        household("H1", "2023-01-01"),
        paid("H1", "2023-01-25", "B1", "2023-01", "5000"),
        paid("H1", "2023-01-26", "B2", "2023-01", "1000", kind="ovrigt"),
        paid("H1", "2023-02-25", "B3", "2023-02", "5000"),
        paid("H1", "2023-02-26", "B4", "2023-02", "700", kind="ovrigt"),
        reversal("H1", "2023-03-01", "B4"),
    )
    result = household_report_of(volym, "2023-01..2023-02", by=("kind",))
    rows = rows_by(result, "kind")
    assert (rows["forsorjningsstod"]["household_months"], rows["forsorjningsstod"]["amount"]) == (
        2,
        10000.0,
    )
    assert (rows["ovrigt"]["household_months"], rows["ovrigt"]["amount"]) == (1, 1000.0)
    totals = result["totals"][0]
    assert (totals["household_months"], totals["amount"]) == (2, 11000.0)


def test_by_newly_arrived_follows_the_value_in_force_each_month(volym):
    ingest(
        volym,
        household("H1", "2023-01-01", newly_arrived=True),
        composition("H1", "2023-02-01", newly_arrived=False),
        household("H2", "2023-01-01", applicant=WOMAN),
        *(paid("H1", f"2023-0{m}-25", f"A{m}", f"2023-0{m}", "4000") for m in (1, 2)),
        *(paid("H2", f"2023-0{m}-25", f"B{m}", f"2023-0{m}", "6000") for m in (1, 2)),
    )
    result = household_report_of(volym, "2023-01..2023-02", by=("newly_arrived",))
    rows = rows_by(result, "newly_arrived")
    assert (rows[True]["household_months"], rows[True]["amount"]) == (1, 4000.0)
    assert (rows[False]["household_months"], rows[False]["amount"]) == (3, 16000.0)
    only = household_total(volym, "2023-01..2023-02", where=("newly_arrived=true",))
    assert only["households_avg_per_month"] == 0.5


def months_paid(household_id, months, applicant=MAN, **fields):
    events = [household(household_id, "2023-01-01", applicant=applicant, **fields)]
    events += [
        paid(household_id, f"2023-{m:02d}-25", f"{household_id}-{m}", f"2023-{m:02d}", "9000")
        for m in months
    ]
    return events


def test_long_term_is_ten_of_the_years_twelve_months_not_nine(volym):
    ingest(volym, *months_paid("H10", range(1, 11)), *months_paid("H9", range(1, 10), WOMAN))
    year = household_total(volym, "2023")
    assert (year["long_term_households"], year["long_term_share"]) == (1, 0.5)
    assert (year["long_term_persons"], year["long_term_persons_share"]) == (1, 0.5)
    assert year["household_months"] == 19
    assert year["households_avg_per_month"] == pytest.approx(19 / 12)
    for period in ("2023-H1", "2023-Q4", "2022-07..2023-06"):
        assert household_total(volym, period)["long_term_households"] is None


def test_an_adult_long_term_across_two_households_counts_as_a_long_term_person(volym):
    ingest(
        volym,
        *months_paid("HA", range(1, 6)),  # MAN applies alone January-May
        *months_paid("HB", range(6, 11), WOMAN, co_applicant=MAN),  # then with her
    )
    year = household_total(volym, "2023")
    assert (year["long_term_households"], year["long_term_share"]) == (0, 0)
    assert (year["long_term_persons"], year["persons"]) == (1, 2)
    assert year["long_term_persons_share"] == 0.5


def test_long_term_by_year_inside_a_longer_period(volym):
    ingest(volym, *months_paid("H10", range(1, 11)))
    result = household_report_of(volym, "2022-01..2023-12", by=("year",))
    rows = rows_by(result, "year")
    assert set(rows) == {"2023"}
    assert rows["2023"]["long_term_households"] == 1
    assert result["totals"][0]["long_term_households"] is None


@pytest.mark.parametrize("period", ["2023-01-15..2023-02-14", "2023-01-01..2023-12-30"])
def test_a_period_that_is_not_whole_months_is_a_clear_error(volym, period):
    with pytest.raises(UserError, match="whole months"):
        household_report_of(volym, period)


def test_whole_months_written_as_dates_are_accepted(volym):
    ingest(volym, *months_paid("H1", (1, 2)))
    assert household_total(volym, "2023-01-01..2023-02-28")["household_months"] == 2


@pytest.mark.parametrize(
    ("events", "reason"),
    [
        ([paid("X", "2023-01-02", "B1", "2023-01", "100")], "unknown household X"),
        ([household("R", "2023-01-02"), household("R", "2023-02-01")], "already registered"),
        (
            [
                household("D", "2023-01-02"),
                paid("D", "2023-01-03", "B1", "2023-01", "100"),
                paid("D", "2023-01-04", "B1", "2023-01", "200"),
            ],
            "already made",
        ),
        ([household("C", "2023-01-10"), composition("C", "2023-01-09", children=1)], "before"),
        (
            [
                household("E", "2023-01-10"),
                household_closed("E", "2023-03-31"),
                composition("E", "2023-04-01", children=1),
            ],
            "after the household was closed",
        ),
    ],
)
def test_events_against_the_rules_are_rejected_with_their_reason(volym, events, reason):
    result = ingest(volym, *events)
    assert result.rejected == 1 and result.accepted == len(events) - 1
    assert reason in result.rejections[0].reasons[0]


def test_bad_household_lines_name_the_field_and_lose_nothing_valid(volym):
    feed = lines(
        household("H1", "2023-01-01"),
        paid("H1", "2023-01-25", "B1", "2023-13", "100"),
        paid("H1", "2023-01-25", "B2", "2023-01", "0"),
        paid("H1", "2023-01-25", "B3", "2023-01", "100", kind="lon"),
        household("H2", "2023-01-01", co_applicant="199003122423"),
        composition("H1", "2023-02-01"),
        composition("H1", "2023-02-01", children=None),
        reversal("H1", "2023-02-01", "B1", amount="-5"),
        paid("H1", "2023-01-25", "B4", "2023-01", "100.5"),
    )
    result = application.ingest_lines(volym, feed)
    reasons = {r.line_no: " ".join(r.reasons) for r in result.rejections}
    assert result.accepted == 2
    assert "month" in reasons[2] and "amount: must be above zero" in reasons[3]
    assert "kind" in reasons[4]
    assert "co_applicant" in reasons[5] and "199003122423" not in reasons[5]
    assert "needs one or more" in reasons[6] and "children may not be null" in reasons[7]
    assert "amount" in reasons[8]
    assert household_total(volym, "2023-01")["amount"] == 100.5


def test_by_month_gives_each_months_figures(volym):
    ingest(volym, *months_paid("H1", (1, 3)))
    result = household_report_of(volym, "2023-Q1", by=("month",))
    assert [(r["month"], r["household_months"]) for r in result["rows"]] == [
        ("2023-01", 1),
        ("2023-03", 1),
    ]


def test_rebuild_gives_the_same_household_figures(volym):
    ingest(
        volym,
        household("H1", "2023-01-01", co_applicant=WOMAN, children=2),
        composition("H1", "2023-03-01", co_applicant=None),
        paid("H1", "2023-01-25", "B1", "2023-01", "10000"),
        paid("H1", "2023-03-25", "B2", "2023-03", "7000", kind="ovrigt"),
        reversal("H1", "2023-04-01", "B1", amount="2500"),
        household_closed("H1", "2023-03-31"),
    )
    before = household_report_of(volym, "2023", "2023-Q1", by=("kind", "month"))
    rebuild(volym, HOUSEHOLDS)
    assert household_report_of(volym, "2023", "2023-Q1", by=("kind", "month")) == before


def test_later_ingests_touching_old_months_equal_a_rebuild(volym):
    ingest(volym, *months_paid("H1", range(1, 7)), *months_paid("H2", (1, 2), WOMAN))
    ingest(
        volym,
        reversal("H1", "2023-07-01", "H1-2", amount="1000"),
        reversal("H2", "2023-07-01", "H2-1"),
    )
    ingest(volym, composition("H1", "2023-04-01", children=2))
    ingest(volym, paid("H2", "2023-08-01", "H2-late", "2023-01", "500", kind="ovrigt"))
    result = household_report_of(volym, "2023-01..2023-06", by=("month", "kind"))
    jan = [r for r in result["rows"] if r["month"] == "2023-01"]
    assert [(r["kind"], r["household_months"], r["amount"]) for r in jan] == [
        ("forsorjningsstod", 1, 9000.0),
        ("ovrigt", 1, 500.0),
    ]
    assert household_total(volym, "2023-02")["amount"] == 8000 + 9000
    assert household_total(volym, "2023-04..2023-06")["children_avg_per_month"] == 2
    assert household_total(volym, "2023-03")["children_avg_per_month"] == 0
    rebuild(volym, HOUSEHOLDS)
    assert household_report_of(volym, "2023-01..2023-06", by=("month", "kind")) == result
