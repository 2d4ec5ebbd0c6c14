from datetime import date

import pytest

from domain.errors import InvalidPeriod
from domain.periods import parse_period


@pytest.mark.parametrize(
    ("text", "start", "end", "days"),
    [
        ("2023", date(2023, 1, 1), date(2023, 12, 31), 365),
        ("2024", date(2024, 1, 1), date(2024, 12, 31), 366),
        ("2023-H1", date(2023, 1, 1), date(2023, 6, 30), 181),
        ("2023-H2", date(2023, 7, 1), date(2023, 12, 31), 184),
        ("2023-T1", date(2023, 1, 1), date(2023, 4, 30), 120),
        ("2024-T1", date(2024, 1, 1), date(2024, 4, 30), 121),
        ("2023-T2", date(2023, 5, 1), date(2023, 8, 31), 123),
        ("2023-T3", date(2023, 9, 1), date(2023, 12, 31), 122),
        ("2023-Q1", date(2023, 1, 1), date(2023, 3, 31), 90),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31), 91),
        ("2023-Q4", date(2023, 10, 1), date(2023, 12, 31), 92),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), 29),
        ("2023-01..2023-08", date(2023, 1, 1), date(2023, 8, 31), 243),
        ("2023-01-15..2023-02-14", date(2023, 1, 15), date(2023, 2, 14), 31),
    ],
)
def test_period_notations_give_their_calendar_days(text, start, end, days):
    period = parse_period(text)
    assert (period.start, period.end, period.days, period.label) == (start, end, days, text)


@pytest.mark.parametrize(
    "text",
    [
        "2023-Q5",
        "2023-T4",
        "2023-H3",
        "2023-13",
        "2023-02-30..2023-03-01",
        "23",
        "2023-08..2023-01",
        "Q1",
    ],
)
def test_bad_period_notations_are_refused_with_a_reason(text):
    with pytest.raises(InvalidPeriod, match=r"period|real date"):
        parse_period(text)


def test_a_range_splits_into_months_clipped_to_the_range():
    months = list(parse_period("2023-01-15..2023-03-10").split("month"))
    assert [(m.label, m.days) for m in months] == [
        ("2023-01", 17),
        ("2023-02", 28),
        ("2023-03", 10),
    ]


def test_a_year_splits_into_quarters_and_tertials():
    year = parse_period("2024")
    assert [q.days for q in year.split("quarter")] == [91, 91, 92, 92]
    assert [t.label for t in year.split("tertial")] == ["2024-T1", "2024-T2", "2024-T3"]


def test_whole_months_are_told_apart_from_other_ranges():
    assert parse_period("2023-01..2023-08").is_whole_months()
    assert not parse_period("2023-01-01..2023-03-30").is_whole_months()
