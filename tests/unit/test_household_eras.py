"""A household's compositions by runs of months, as reports join payments to them."""

from datetime import date
from uuid import uuid4

from domain.household_terms import Composition, CompositionChange
from projections.household_records import FIRST_MONTH, Era, HouseholdRecord

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
