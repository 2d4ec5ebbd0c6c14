"""`volym budget`, `volym forecast` and `volym report verksamhetsmatt`: parse, call the
use cases of adapters.application.budgeting, render in Swedish (or JSON, CSV)."""

from __future__ import annotations

import csv
import io
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from adapters.application import budgeting
from adapters.application.access import cli_actor
from adapters.cli.access import logged
from adapters.cli.labels import swedish_number
from adapters.cli.report import check_output
from adapters.composition import open_volym
from adapters.errors import UserError
from adapters.reports.formats import to_json

COLUMNS = (  # (JSON key, Swedish heading): the table of budget.md
    ("outcome_previous_year", "Utfall {previous}"),
    ("outcome", "Utfall {current}"),
    ("budget", "Budget {current}"),
    ("deviation", "Avvik. perioden"),
    ("forecast", "Prognos {year}"),
    ("budget_year", "Budget {year}"),
    ("deviation_year", "Avvik. helår"),
)
ONE_DECIMAL = {"average_placements", "households_avg_per_month", "cost_per_care_day",
               "cost_per_household"}  # fmt: skip


def import_file(path: Path, db: str | None) -> None:
    with open_volym(db, needs_key=False) as volym:
        done = budgeting.import_budget_file(volym, path, cli_actor())
    words = {"imported": "importerad", "revised": "reviderad", "unchanged": "oförändrad"}
    for year, outcome in done.items():
        print(f"budget {year}: {words[outcome]}")


def show(year: int, fmt: str, as_of: datetime | None, output: Path | None, db: str | None) -> None:
    _no_xlsx(fmt)
    if output is not None:
        check_output(output)
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        document = budgeting.show_budget(volym, year, as_of)
    if fmt == "json":
        _emit(to_json(document), output)
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["row", "label", "kind", "measure", "where", "budget",
                         *[f"m{n:02d}" for n in range(1, 13)]])  # fmt: skip
        for row in document["rows"]:
            writer.writerow([row["row"], row["label"], row["kind"], row["measure"],
                             _where_text(row["where"]), row["budget"], *row["months"]])  # fmt: skip
        _emit(out.getvalue(), output)
    else:
        table = Table(title=f"Budget {year}" + (f" (per {as_of:%Y-%m-%d %H:%M})" if as_of else ""))
        table.add_column("Rad")
        table.add_column("Mått")
        table.add_column("Budget helår", justify="right")
        for row in document["rows"]:
            decimals = 1 if row["measure"] in ONE_DECIMAL else 0
            table.add_row(row["label"], row["measure"], swedish_number(row["budget"], decimals))
        _print_table(table, output)


def set_forecast(year: int, row: str, value: str, reason: str, db: str | None) -> None:
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        budgeting.set_forecast(volym, year, row, value, reason, cli_actor())
    print(f"prognos {year} {row}: {value} ({reason})")


def clear_forecast(year: int, row: str, db: str | None) -> None:
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        budgeting.clear_forecast(volym, year, row, cli_actor())
    print(f"prognos {year} {row}: beräknad igen")


def verksamhetsmatt(
    period: str,
    year: int | None,
    as_of: datetime | None,
    fmt: str,
    output: Path | None,
    db: str | None,
) -> None:
    _no_xlsx(fmt)
    if output is not None:
        check_output(output)
    parameters = {"period": [period], "year": year, "as_of": as_of.isoformat() if as_of else None}
    with (
        open_volym(db, must_exist=True, needs_key=False) as volym,
        logged(volym, "report.verksamhetsmatt", parameters),
    ):
        document = budgeting.verksamhetsmatt(volym, period, year, as_of)
    if fmt == "json":
        _emit(to_json(document), output)
    elif fmt == "csv":
        _emit(_csv(document), output)
    else:
        _print_table(verksamhetsmatt_table(document), output)


def verksamhetsmatt_table(document: dict[str, Any]) -> Table:
    period = document["period"]
    end = period["end"][:7]
    previous = f"{int(end[:4]) - 1}{end[4:]}"
    stamp = "aktuellt" if document["as_of"] is None else f"per {document['as_of'][:16]}"
    through = (document["data_through"] or "–")[:16].replace("T", " ")
    table = Table(
        title=f"Verksamhetsmått {period['label']}",
        caption=f"Data: {stamp}, händelser lagrade t.o.m. {through} UTC. "
        "Avvikelse (+): fler än budget för antal och dagar, lägre än budget för kostnader.",
    )
    table.add_column("Verksamhetsmått")
    names = {"previous": previous, "current": end, "year": str(document["year"])}
    for _, heading in COLUMNS:
        table.add_column(heading.format(**names), justify="right")
    for row in document["rows"]:
        decimals = 1 if row["measure"] in ONE_DECIMAL else 0
        cells = [swedish_number(row[key], decimals) for key, _ in COLUMNS]
        if row["forecast_override"]:
            cells[4] += "*"
        table.add_row(row["label"], *cells)
    return table


def _csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = [
        "row", "label", "kind", "measure", "outcome_previous_year", "outcome", "budget",
        "deviation", "deviation_sense", "forecast", "forecast_computed", "forecast_run_rate",
        "budget_year", "deviation_year", "volume_part", "price_part",
    ]  # fmt: skip
    writer.writerow(keys)
    for row in document["rows"]:
        writer.writerow(["" if row[k] is None else row[k] for k in keys])
    return out.getvalue()


def _where_text(where: dict[str, list[str]]) -> str:
    return "&".join(f"{dim}={','.join(values)}" for dim, values in where.items())


def _no_xlsx(fmt: str) -> None:
    if fmt == "xlsx":
        raise UserError("--format xlsx is not yet available here; use table, json or csv")


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text, encoding="utf-8")


def _print_table(table: Table, output: Path | None) -> None:
    if output is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=200)
        console.print(table)
        return
    console = Console(record=True, width=200, file=io.StringIO())
    console.print(table)
    output.write_text(console.export_text(), encoding="utf-8")
