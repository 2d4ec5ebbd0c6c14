"""`volym report`: parse the request, call adapters.application.report, write the output
(a Swedish table, JSON or CSV). A read model that is behind is said on stderr."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adapters import application
from adapters.application.reading import request_parameters
from adapters.cli.access import logged
from adapters.cli.output import emit, present, render_tables, to_csv, to_json
from adapters.composition import open_volym
from adapters.errors import UserError
from adapters.eventstore.stamp import data_through
from adapters.presentation.stamp import stamp_lines
from adapters.reports.request import Report
from adapters.streams import stream_named

if TYPE_CHECKING:  # rich loads where a table is drawn (cli.output): JSON and CSV do without
    from rich.console import Console


def run_report(
    kind: str,
    periods: list[str],
    by: list[str],
    where: list[str],
    as_of: datetime | None,
    output_format: str,
    output: Path | None,
    measures: list[str] | None,
    db: str | None,
    age_bands: str | None = None,
) -> None:
    stream_named(kind)  # an unknown report is said first
    needs_file(output_format, output)
    request = application.report_request(kind, periods, by, where, as_of, age_bands)
    chosen = _measures(measures, request.kind.measures)
    if output is not None:
        check_output(output)
    with (
        open_volym(db, must_exist=True, needs_key=False) as volym,
        logged(volym, f"report.{kind}", request_parameters(request)),
    ):
        answer = application.report(volym, request)
        through = data_through(volym, request.as_of)
    note = answer.freshness.note() if answer.freshness else None
    if note:
        print(f"volym: note: {note}", file=sys.stderr)  # one line, however wide
    _write(answer.report, output_format, output, chosen, through)


def needs_file(output_format: str, output: Path | None) -> None:
    if output_format == "xlsx" and output is None:
        raise UserError("--format xlsx writes a workbook: give --output FILE.xlsx")


def check_output(output: Path) -> None:
    """Before any work: a report is not computed to be lost at the end."""
    if output.is_dir():
        raise UserError(f"--output {output}: is a folder; give a file name in it")
    if not output.parent.is_dir():
        raise UserError(f"--output {output}: the folder {output.parent} does not exist")


def _measures(chosen: list[str] | None, known: tuple[str, ...]) -> tuple[str, ...]:
    if not chosen:
        return known
    for name in chosen:
        if name not in known:
            raise UserError(f"--measure {name}: not a measure; one of {', '.join(known)}")
    return tuple(m for m in known if m in chosen)


def _write(
    report: Report,
    fmt: str,
    output: Path | None,
    measures: tuple[str, ...],
    through: str | None,
) -> None:
    made_at = datetime.now(UTC)
    if fmt == "xlsx":
        from adapters.presentation.xlsx import report_workbook  # openpyxl: only when asked

        assert output is not None
        output.write_bytes(report_workbook(report, measures, through, made_at))
        return
    if fmt == "json":
        emit(to_json(report), output)
    elif fmt == "csv":
        emit(to_csv(report, measures), output)
    else:
        stamp = "; ".join(stamp_lines(report["as_of"], through, made_at))

        def draw(console: Console) -> None:
            render_tables(report, measures, console)
            console.print(stamp, highlight=False)

        present(draw, output)


def run_chart(
    kind: str,
    periods: list[str],
    by: str,
    measure: str,
    where: list[str],
    as_of: datetime | None,
    output: Path,
    db: str | None,
) -> None:
    """One measure over time, one line per period, to PNG or SVG."""
    stream_named(kind)
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise UserError(f"--output {output}: give a .png or .svg file")
    if by not in ("month", "quarter", "tertial", "year"):
        raise UserError(f"--by {by}: one of month, quarter, tertial, year")
    request = application.report_request(kind, periods, [by], where, as_of)
    _measures([measure], request.kind.measures)
    check_output(output)
    with (
        open_volym(db, must_exist=True, needs_key=False) as volym,
        logged(volym, f"report.{kind}", request_parameters(request)),
    ):
        answer = application.report(volym, request)
        through = data_through(volym, request.as_of)
    from adapters.presentation.chart import draw_chart

    output.write_bytes(draw_chart(answer.report, measure, through, datetime.now(UTC), fmt))
