"""A household's compositions by runs of months, and its rows of each year that reports
count: the nets of each month beside the composition in force."""

from datetime import date
from uuid import uuid4

from domain.household_terms import Composition, CompositionChange, Payment
from projections.household_records import (
    ALL,
    ALL_KINDS,
    BOTH,
    FIRST_MONTH,
    KIND,
    Era,
    HouseholdRecord,
    YearRow,
    YearRows,
)

ALONE = Composition("A", None, 0, False)


def _record(*changes: tuple[str, dict[str, object]]) -> HouseholdRecord:
    return HouseholdRecord(
        uuid4(),
        "s",
        "H1",
        date(2023, 3, 15),
        None,
        ALONE,
        [CompositionChange(date.fromisoformat(d), n, v) for n, (d, v) in enumerate(changes)],
    )


def test_without_changes_one_era_holds_every_month():
    assert _record().eras() == [Era(FIRST_MONTH, None, ALONE)]


def test_a_change_mid_month_counts_from_the_next_month_and_on_a_first_from_that_one():
    eras = _record(("2023-05-10", {"children": 2}), ("2023-09-01", {"children": 0})).eras()
    with_two = Composition("A", None, 2, False)
    assert eras == [
        Era(FIRST_MONTH, date(2023, 5, 1), ALONE),
        Era(date(2023, 6, 1), date(2023, 8, 1), with_two),
        Era(date(2023, 9, 1), None, ALONE),
    ]


def test_a_change_by_the_registration_day_is_in_force_from_the_first_month():
    eras = _record(("2023-03-15", {"newly_arrived": True})).eras()
    assert eras == [Era(FIRST_MONTH, None, Composition("A", None, 0, True))]


def test_a_change_in_december_counts_from_january():
    eras = _record(("2023-12-02", {"co_applicant": "B"})).eras()
    assert eras[1] == Era(date(2024, 1, 1), None, Composition("A", "B", 0, False))
    assert eras[0].last == date(2023, 12, 1)


def test_a_year_is_a_row_per_composition_and_kind_and_one_for_all_kinds_or_one_for_both():
    record = _record(("2023-05-10", {"children": 2}))
    record.payments = {
        "a": Payment(date(2023, 1, 1), "forsorjningsstod", 100_000),
        "b": Payment(date(2023, 1, 1), "ovrigt", 50_000),
        "c": Payment(date(2023, 3, 1), "forsorjningsstod", 20_000, reversed_ore=20_000),
        "d": Payment(date(2023, 7, 1), "forsorjningsstod", 30_000),
        "e": Payment(date(2024, 2, 1), "ovrigt", 10_000),
    }
    with_two = Composition("A", None, 2, False)
    (y2023, y2024) = record.years()

    def nets(**months: int) -> tuple[int | None, ...]:
        row: list[int | None] = [None] * 12
        for month, net in months.items():
            row[int(month[1:]) - 1] = net
        return tuple(row)

    # January to May the first composition (the change counts from June), paid in two
    # kinds; then the second, paid in one: its one row is its kind's and all kinds'.
    assert y2023 == YearRows(
        2023,
        [
            YearRow(1, ALL_KINDS, ALONE, nets(m1=150_000, m3=0), ALL),
            YearRow(1, "forsorjningsstod", ALONE, nets(m1=100_000, m3=0), KIND),
            YearRow(1, "ovrigt", ALONE, nets(m1=50_000), KIND),
            YearRow(6, "forsorjningsstod", with_two, nets(m7=30_000), BOTH),
        ],
    )
    assert y2024 == YearRows(2024, [YearRow(1, "ovrigt", with_two, nets(m2=10_000), BOTH)])
    assert record.years({2024}) == [y2024]
