"""Excel workbooks of budget.md (openpyxl): numbers as numbers in Swedish display formats,
a title and the data stamp at the top, the header row frozen, columns wide enough; with
several periods one sheet per measure, periods side by side, and for a time dimension a
native line chart.

The number formats are stored as Excel stores them (`#,##0`, `#,##0.0`, `0.0%`); Excel
and LibreOffice in Swedish show them as `# ##0`, `# ##0,0` and `0,0 %`."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from adapters.presentation.labels import (
    BUDGET_ONE_DECIMAL,
    DIMENSION_LABELS,
    MEASURE_LABELS,
    ONE_DECIMAL,
    PERCENT,
    REPORT_TITLES,
    value_label,
)
from adapters.presentation.layout import side_by_side
from adapters.presentation.stamp import stamp_lines
from adapters.reports.request import Cell, Report
from domain.periods import TIME_DIMENSIONS

WHOLE = "#,##0"
ONE = "#,##0.0"
SHARE = "0.0%"
HEADER_ROW = 7  # title, period, data, stored through, made, blank, then the header


def number_format(measure: str) -> str:
    if measure in PERCENT:
        return SHARE
    if measure in ONE_DECIMAL:
        return ONE
    return WHOLE


def _top(sheet: Worksheet, title: str, period: str, stamp: list[str]) -> None:
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"Period: {period}"
    for offset, line in enumerate(stamp):
        sheet.cell(row=3 + offset, column=1, value=line)


def _table(
    sheet: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: Sequence[str | None],
    bold_last: int = 0,
) -> None:
    for column, heading in enumerate(headers, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="left" if formats[column - 1] is None else "right")
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=HEADER_ROW + offset, column=column, value=value)
            fmt = formats[column - 1]
            if fmt is not None and isinstance(value, int | float):
                cell.number_format = fmt
            if offset > len(rows) - bold_last:
                cell.font = Font(bold=True)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    for column, heading in enumerate(headers, start=1):
        widest = max([len(str(heading))] + [len(_shown(r[column - 1])) for r in rows])
        sheet.column_dimensions[get_column_letter(column)].width = min(max(widest + 3, 10), 60)


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _number(value: Cell) -> Any:
    return None if value is None or isinstance(value, bool) else value


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(text: str, taken: set[str]) -> str:
    name = "".join(c for c in text if c not in "[]:*?/\\")[:31] or "Blad"
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]} {n}"
        n += 1
    taken.add(name)
    return name


def report_workbook(
    report: Report, measures: Sequence[str], data_through: str | None, made_at: datetime
) -> bytes:
    """A report of reports.md: one sheet with the measures as columns for one period
    without a time dimension; otherwise a sheet per measure, periods side by side."""
    book = Workbook()
    title = REPORT_TITLES.get(str(report["report"]), str(report["report"]))
    periods = [p["label"] for p in report["periods"]]
    stamp = stamp_lines(report["as_of"], data_through, made_at)
    dims: list[str] = list(report["by"])
    has_time = any(d in TIME_DIMENSIONS for d in dims)
    if len(periods) == 1 and not has_time:
        sheet = book.active
        assert sheet is not None
        sheet.title = "Rapport"
        _top(sheet, title, periods[0], stamp)
        headers = [DIMENSION_LABELS.get(d, d) for d in dims] + [MEASURE_LABELS[m] for m in measures]
        rows: list[list[Any]] = []
        if dims:
            for row in report["rows"]:
                rows.append([value_label(d, row[d]) for d in dims]
                            + [_number(row[m]) for m in measures])  # fmt: skip
        for total in report["totals"]:
            label = ["Totalt"] + [""] * (len(dims) - 1) if dims else []
            rows.append(label + [_number(total[m]) for m in measures])
        _table(sheet, headers, rows, [None] * len(dims) + [number_format(m) for m in measures],
               bold_last=len(report["totals"]))  # fmt: skip
        return _save(book)
    book.remove(book.worksheets[0])
    taken: set[str] = set()
    for measure in measures:
        sheet = book.create_sheet(_sheet_name(MEASURE_LABELS[measure], taken))
        _top(sheet, f"{title}: {MEASURE_LABELS[measure]}", ", ".join(periods), stamp)
        row_dims, lines = side_by_side(report, measure)
        headers = [DIMENSION_LABELS.get(d, d) for d in row_dims] + periods
        rows = []
        for line in lines:
            labels = [
                v if d in TIME_DIMENSIONS else value_label(d, v)
                for d, v in zip(row_dims, line.labels, strict=True)
            ]
            rows.append(labels + [_number(line.values.get(p)) for p in periods])
        totals = {t["period"]: t[measure] for t in report["totals"]}
        label = ["Totalt"] + [""] * (len(row_dims) - 1) if row_dims else []
        rows.append(label + [_number(totals.get(p)) for p in periods])
        formats = [None] * len(row_dims) + [number_format(measure)] * len(periods)
        _table(sheet, headers, rows, formats, bold_last=1)
        if has_time and len(row_dims) == 1 and lines:
            _chart(sheet, MEASURE_LABELS[measure], len(periods), len(lines), len(row_dims))
    return _save(book)


def _chart(sheet: Worksheet, title: str, periods: int, lines: int, label_columns: int) -> None:
    """One line per period over the sub-periods (the rows above the total)."""
    chart = LineChart()
    chart.title = title
    chart.height, chart.width = 8, 16
    data = Reference(
        sheet,
        min_col=label_columns + 1,
        max_col=label_columns + periods,
        min_row=HEADER_ROW,
        max_row=HEADER_ROW + lines,
    )
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(
        Reference(sheet, min_col=1, max_col=1, min_row=HEADER_ROW + 1, max_row=HEADER_ROW + lines)
    )
    sheet.add_chart(chart, f"{get_column_letter(label_columns + periods + 2)}{HEADER_ROW}")


VERKSAMHETSMATT_COLUMNS = (
    ("outcome_previous_year", "Utfall {previous}"),
    ("outcome", "Utfall {current}"),
    ("budget", "Budget {current}"),
    ("deviation", "Avvik. perioden"),
    ("forecast", "Prognos {year}"),
    ("budget_year", "Budget {year}"),
    ("deviation_year", "Avvik. helår"),
)


def verksamhetsmatt_headings(document: dict[str, Any]) -> list[str]:
    end = str(document["period"]["end"])[:7]
    names = {
        "previous": f"{int(end[:4]) - 1}{end[4:]}",
        "current": end,
        "year": str(document["year"]),
    }
    return [heading.format(**names) for _, heading in VERKSAMHETSMATT_COLUMNS]


def verksamhetsmatt_workbook(document: dict[str, Any], made_at: datetime) -> bytes:
    """Laid out like budget.md's table, the forecast's method and the volume and price
    parts beside it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Verksamhetsmått"
    stamp = stamp_lines(document["as_of"], document["data_through"], made_at)
    _top(sheet, f"Verksamhetsmått {document['period']['label']}", document["period"]["label"],
         stamp)  # fmt: skip
    headers = ["Verksamhetsmått", *verksamhetsmatt_headings(document),
               "Prognos beräknad", "Prognos oförändrat läge", "Justerad prognos, skäl",
               "Avvikelse: volym", "Avvikelse: pris"]  # fmt: skip
    rows: list[list[Any]] = []
    formats: list[str | None] = [None]
    for row in document["rows"]:
        override = row["forecast_override"]
        rows.append(
            [row["label"]]
            + [row[key] for key, _ in VERKSAMHETSMATT_COLUMNS]
            + [
                row["forecast_computed"],
                row["forecast_run_rate"],
                override["reason"] if override else None,
                row["volume_part"],
                row["price_part"],
            ]
        )
    formats += [WHOLE] * (len(headers) - 1)  # then each row's own, below: rows differ in unit
    _table(sheet, headers, rows, formats)
    for offset, row in enumerate(document["rows"], start=1):
        fmt = ONE if row["measure"] in BUDGET_ONE_DECIMAL else WHOLE  # as the terminal shows
        for column in range(2, len(headers) + 1):
            cell = sheet.cell(row=HEADER_ROW + offset, column=column)
            if isinstance(cell.value, int | float):
                cell.number_format = fmt
    note = len(rows) + HEADER_ROW + 2
    sheet.cell(row=note, column=1, value="Avvikelse (+): fler än budget för antal, dygn och "
               "platser; lägre än budget för kostnader och priser.")  # fmt: skip
    return _save(book)


def budget_workbook(document: dict[str, Any], made_at: datetime) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Budget {document['year']}"
    as_of = document["as_of"]
    _top(sheet, f"Budget {document['year']}", str(document["year"]),
         stamp_lines(as_of, None, made_at)[::2])  # fmt: skip
    months = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    headers = ["Rad", "Benämning", "Mått", "Budget helår", *months]
    rows = []
    for row in document["rows"]:
        rows.append([row["row"], row["label"], MEASURE_LABELS.get(row["measure"], row["measure"]),
                     row["budget"], *row["months"]])  # fmt: skip
    formats: list[str | None] = [None, None, None] + [ONE] * 13
    _table(sheet, headers, rows, formats)
    return _save(book)
