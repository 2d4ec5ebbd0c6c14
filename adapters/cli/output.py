"""Report output: a Swedish table for people, JSON and CSV with plain unrounded numbers.

One period gives one table with the measures as columns. Several periods give one table
per measure with the periods side by side, like the nämnd's "KV1 2019–2023" tables."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.presentation.labels import (
    DIMENSION_LABELS,
    MEASURE_LABELS,
    REPORT_TITLES,
    format_measure,
    value_label,
)
from adapters.presentation.layout import side_by_side
from adapters.reports.formats import to_csv, to_json
from adapters.reports.request import Report, Row
from domain.periods import TIME_DIMENSIONS

if TYPE_CHECKING:  # rich loads where a table is drawn: JSON and CSV do without it
    from rich.console import Console
    from rich.table import Table

__all__ = ["emit", "present", "render_tables", "to_csv", "to_json"]


def present(draw: Callable[[Console], None], output: Path | None) -> None:
    """What `draw` prints: on the terminal at its width (piped, 200 columns so that every
    column stays readable), or as plain text into `output`."""
    from rich.console import Console

    if output is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=200)
        draw(console)
        return
    console = Console(file=io.StringIO(), record=True, width=200)
    draw(console)
    output.write_text(console.export_text(), encoding="utf-8")


def emit(text: str, output: Path | None) -> None:
    """Machine-readable text (JSON, CSV) to stdout or into `output`."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")


def render_tables(report: Report, measures: tuple[str, ...], console: Console) -> None:
    name = str(report["report"])
    title = REPORT_TITLES.get(name, name)
    if report["where"]:
        title += " — " + ", ".join(
            f"{DIMENSION_LABELS.get(k, k)}: "
            + ", ".join(value_label(k, v) for v in (vs if isinstance(vs, list) else [vs]))
            for k, vs in report["where"].items()
        )
    if len(report["periods"]) == 1:
        console.print(_wide_table(report, measures, title))
        return
    for measure in measures:
        console.print(_side_by_side(report, measure, f"{title}\n{MEASURE_LABELS[measure]}"))


def _wide_table(report: Report, measures: tuple[str, ...], title: str) -> Table:
    from rich.table import Table

    dims = report["by"]
    table = Table(title=f"{title}, {report['periods'][0]['label']}", title_justify="left")
    for dim in dims:
        table.add_column(DIMENSION_LABELS.get(dim, dim))
    for measure in measures:
        table.add_column(MEASURE_LABELS[measure], justify="right")
    if dims:
        for row in report["rows"]:
            table.add_row(*_dim_cells(row, dims), *(format_measure(m, row[m]) for m in measures))
        table.add_section()
    for total in report["totals"]:
        label = ["Totalt"] + [""] * (len(dims) - 1) if dims else []
        table.add_row(*label, *(format_measure(m, total[m]) for m in measures), style="bold")
    return table


def _side_by_side(report: Report, measure: str, title: str) -> Table:
    from rich.table import Table

    dims, lines = side_by_side(report, measure)
    periods = [p["label"] for p in report["periods"]]
    table = Table(title=title, title_justify="left")
    for dim in dims:
        table.add_column(DIMENSION_LABELS.get(dim, dim))
    for label in periods:
        table.add_column(label, justify="right")
    if dims:
        for line in lines:
            row_cells = [
                str(value) if d in TIME_DIMENSIONS else value_label(d, value)
                for d, value in zip(dims, line.labels, strict=True)
            ]
            table.add_row(
                *row_cells, *(format_measure(measure, line.values.get(p)) for p in periods)
            )
        table.add_section()
    totals = {t["period"]: t[measure] for t in report["totals"]}
    label = ["Totalt"] + [""] * (len(dims) - 1) if dims else []
    table.add_row(*label, *(format_measure(measure, totals.get(p)) for p in periods), style="bold")
    return table


def _dim_cells(row: Row, dims: list[str]) -> list[str]:
    return [value_label(d, row[d]) for d in dims]
