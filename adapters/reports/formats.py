"""Reports as machine-readable text: JSON (reports.md's shape) and CSV, with plain
unrounded numbers; the command line and HTTP give the same bytes."""

from __future__ import annotations

import csv
import io
import json

from adapters.reports.request import Cell, Report
from domain.periods import TIME_DIMENSIONS


def to_json(report: Report) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def to_csv(report: Report, measures: tuple[str, ...]) -> str:
    """One line per row and total. With several periods and a time dimension, each time
    column is followed by `DIM_position`, the sub-period's place in its period (Q1 of 2024
    and Q1 of 2025 are both 1), so that a spreadsheet lines the periods up by it."""
    dims = report["by"]
    lined_up = [d for d in dims if d in TIME_DIMENSIONS and d != "year"]
    if len(report["periods"]) < 2:
        lined_up = []
    columns: list[str] = []
    for dim in dims:
        columns += [dim, f"{dim}_position"] if dim in lined_up else [dim]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["level", "period", *columns, *measures])
    positions: dict[tuple[object, str], dict[object, int]] = {}
    for level, rows in (("row", report["rows"]), ("total", report["totals"])):
        if level == "row" and not dims:
            continue  # without --by the rows are the totals
        for row in rows:
            cells: list[str | int | float] = [level, row["period"]]
            for dim in dims:
                cells.append(_csv(row.get(dim, "")))
                if dim in lined_up:
                    if level == "total":
                        cells.append("")
                        continue
                    seen = positions.setdefault((row["period"], dim), {})
                    cells.append(seen.setdefault(row[dim], len(seen) + 1))
            writer.writerow(cells + [_csv(row[m]) for m in measures])
    return buffer.getvalue()


def _csv(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
