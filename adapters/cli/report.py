"""`volym report`: parse the request, call adapters.application.report, write the output
(a Swedish table, JSON or CSV). A read model that is behind is said on stderr."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from rich.console import Console

from adapters import application
from adapters.application.reading import request_parameters
from adapters.cli.access import logged
from adapters.cli.output import render_tables, to_csv, to_json
from adapters.composition import open_volym
from adapters.errors import UserError
from adapters.reports.request import Report
from adapters.streams import stream_named


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
) -> None:
    stream_named(kind)  # an unknown report is said first
    if output_format == "xlsx":
        raise UserError("--format xlsx is not yet available; use table, json or csv")
    request = application.report_request(
        kind, periods, by, where, as_of
    )
    chosen = _measures(measures, request.kind.measures)
    if output is not None:
        check_output(output)
    with (
        open_volym(db, must_exist=True, needs_key=False) as volym,
        logged(volym, f"report.{kind}", request_parameters(request)),
    ):
        answer = application.report(volym, request)
    note = answer.freshness.note() if answer.freshness else None
    if note:
        print(f"volym: note: {note}", file=sys.stderr)  # one line, however wide
    _write(answer.report, output_format, output, chosen)


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


def _write(report: Report, fmt: str, output: Path | None, measures: tuple[str, ...]) -> None:
    if fmt == "json":
        text = to_json(report)
    elif fmt == "csv":
        text = to_csv(report, measures)
    else:
        if output is None:
            console = Console()
            if not console.is_terminal:
                console = Console(width=200)  # piped: keep every column readable
            render_tables(report, measures, console)
            return
        console = Console(file=None, record=True, width=200)
        with console.capture():
            render_tables(report, measures, console)
        text = console.export_text()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
