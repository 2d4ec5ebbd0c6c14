"""CSV of several periods by a time dimension: each sub-period's place in its period, so
that Q1 lines up with Q1 (issue 14, item 9); one period keeps reports.md's columns."""

from adapters.reports.formats import to_csv


def report(periods, rows, by=("quarter",)):
    return {
        "by": list(by),
        "periods": [{"label": p} for p in periods],
        "rows": rows,
        "totals": [{"period": p, "care_days": 0} for p in periods],
    }


def test_two_years_by_quarter_carry_each_quarters_place_in_its_year():
    rows = [{"period": "2024", "quarter": f"2024-Q{q}", "care_days": q} for q in (1, 2)]
    rows += [{"period": "2025", "quarter": f"2025-Q{q}", "care_days": 10 * q} for q in (1, 2)]
    lines = to_csv(report(["2024", "2025"], rows), ("care_days",)).splitlines()
    assert lines[0] == "level,period,quarter,quarter_position,care_days"
    assert lines[1:5] == [
        "row,2024,2024-Q1,1,1", "row,2024,2024-Q2,2,2",
        "row,2025,2025-Q1,1,10", "row,2025,2025-Q2,2,20",
    ]  # fmt: skip
    assert lines[5] == "total,2024,,,0"


def test_a_period_that_starts_in_march_counts_march_first():
    first = "2024-03..2024-04"
    rows = [{"period": first, "month": m, "care_days": 1} for m in ("2024-03", "2024-04")]
    rows.append({"period": "2025-03..2025-04", "month": "2025-03", "care_days": 2})
    lines = to_csv(
        report(["2024-03..2024-04", "2025-03..2025-04"], rows, by=("month",)), ("care_days",)
    ).splitlines()
    assert [line.split(",")[3] for line in lines[1:4]] == ["1", "2", "1"]


def test_one_period_keeps_the_columns_of_reports_md():
    rows = [{"period": "2024", "quarter": "2024-Q1", "care_days": 5}]
    assert to_csv(report(["2024"], rows), ("care_days",)).splitlines()[0] == (
        "level,period,quarter,care_days"
    )
