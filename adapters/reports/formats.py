"""Reports as machine-readable text: JSON (reports.md's shape) and CSV, with plain
unrounded numbers; the command line and HTTP give the same bytes."""

from __future__ import annotations

import csv
import io
import json

from adapters.reports.request import Cell, Report


def to_json(report: Report) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def to_csv(report: Report, measures: tuple[str, ...]) -> str:
    dims = report["by"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["level", "period", *dims, *measures])
    for level, rows in (("row", report["rows"]), ("total", report["totals"])):
        if level == "row" and not dims:
            continue  # without --by the rows are the totals
        for row in rows:
            cells = [level, row["period"], *(_csv(row.get(d, "")) for d in dims)]
            writer.writerow(cells + [_csv(row[m]) for m in measures])
    return buffer.getvalue()


def _csv(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
