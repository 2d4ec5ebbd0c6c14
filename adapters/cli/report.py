"""`volym report`: parse the request, read the live (or as-of) model, write the output."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console

from adapters.cli.output import render_tables, to_csv, to_json
from adapters.composition import open_volym
from adapters.errors import UserError
from adapters.projection.kinds import (
    HOUSEHOLD_PROJECTION,
    INVESTIGATION_PROJECTION,
    PLACEMENT_PROJECTION,
    ProjectionKind,
)
from adapters.projection.projector import Projector
from adapters.projection.replay import view_as_of
from adapters.reports.households import HOUSEHOLDS, household_report
from adapters.reports.investigations import INVESTIGATIONS, investigation_report
from adapters.reports.placements import PLACEMENTS, placement_report
from adapters.reports.request import ReportKind, ReportRequest, parse_request

# Times without an offset are the users' own: Swedish local time.
LOCAL_ZONE = ZoneInfo("Europe/Stockholm")

Reporter = Callable[[Any, ReportRequest], dict[str, Any]]
REPORTS: dict[str, tuple[ReportKind, ProjectionKind, Reporter]] = {
    "placements": (PLACEMENTS, PLACEMENT_PROJECTION, placement_report),
    "investigations": (INVESTIGATIONS, INVESTIGATION_PROJECTION, investigation_report),
    "households": (HOUSEHOLDS, HOUSEHOLD_PROJECTION, household_report),
}


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
    if kind not in REPORTS:
        raise UserError(
            f"report {kind}: not yet available in this volym version ({' and '.join(REPORTS)} are)"
        )
    report_kind, projection, compute = REPORTS[kind]
    if output_format == "xlsx":
        raise UserError("--format xlsx is not yet available; use table, json or csv")
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=LOCAL_ZONE)
    request = parse_request(report_kind, periods, by, where, as_of)
    chosen = _measures(measures, report_kind.measures)
    with open_volym(db, must_exist=True) as volym:
        projector = Projector(volym, projection)
        if as_of is None:
            view = projector.live_view()
            projector.catch_up(view)  # include events another process stored just now
        else:
            view = view_as_of(volym, projection, as_of)
        report = compute(view, request)
    _write(report, output_format, output, chosen)


def _measures(chosen: list[str] | None, known: tuple[str, ...]) -> tuple[str, ...]:
    if not chosen:
        return known
    for name in chosen:
        if name not in known:
            raise UserError(f"--measure {name}: not a measure; one of {', '.join(known)}")
    return tuple(m for m in known if m in chosen)


def _write(
    report: dict[str, Any], fmt: str, output: Path | None, measures: tuple[str, ...]
) -> None:
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
