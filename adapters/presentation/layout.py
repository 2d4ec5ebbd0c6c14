"""Several periods side by side. With a time dimension the sub-periods line up by their
position in each period (Q1 beside Q1, January beside January), not by their label: a
report of 2024 and 2025 by quarter is four rows, not a staircase of eight."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.reports.request import Cell, Report
from domain.periods import TIME_DIMENSIONS

MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december")  # fmt: skip


@dataclass(frozen=True)
class Line:
    """One row of a side-by-side table: its labels, and the measure in each period."""

    labels: tuple[Cell, ...]
    values: dict[str, Cell]  # period label -> value


def position_label(dim: str, label: str) -> str:
    """A sub-period's label without its year: 'Q1', 'T2', 'mars'."""
    if dim == "month" and len(label) == 7:
        return MONTHS[int(label[5:7]) - 1]
    if dim == "year":
        return label
    return label.partition("-")[2] or label


def side_by_side(report: Report, measure: str) -> tuple[list[str], list[Line]]:
    """The row dimensions and the lines of `measure`, periods as columns. A time
    dimension's value is its position in the period, labelled by the first period that
    has it."""
    dims: list[str] = list(report["by"])
    time_dims = [d for d in dims if d in TIME_DIMENSIONS and d != "year"]
    lines: dict[tuple[Cell, ...], Line] = {}
    positions: dict[tuple[str, str], dict[str, int]] = {}  # (period, dim) -> label -> index
    for row in report["rows"] if dims else []:
        period = str(row["period"])
        key: list[Cell] = []
        shown: list[Cell] = []
        for dim in dims:
            value = row[dim]
            if dim in time_dims:
                seen = positions.setdefault((period, dim), {})
                index = seen.setdefault(str(value), len(seen))
                key.append(f"#{index}")
                shown.append(position_label(dim, str(value)))
            elif dim == "year":
                key.append("#year")
                shown.append("år")
            else:
                key.append(value)
                shown.append(value)
        line = lines.setdefault(tuple(key), Line(tuple(shown), {}))
        line.values[period] = row[measure]
    return dims, list(lines.values())
