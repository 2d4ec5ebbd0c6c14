"""`volym budget`, `volym forecast` and `volym report verksamhetsmatt`: parse, call the
use cases of adapters.application.budgeting, render in Swedish (or JSON, CSV)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from adapters.application import budgeting
from adapters.application.access import cli_actor
from adapters.cli.access import logged
from adapters.cli.output import emit, present
from adapters.cli.report import check_output, needs_file
from adapters.composition import open_volym
from adapters.errors import UserError
from adapters.presentation.labels import BUDGET_ONE_DECIMAL, MEASURE_LABELS, swedish_number
from adapters.presentation.stamp import stamp_lines
from adapters.presentation.xlsx import (
    VERKSAMHETSMATT_COLUMNS,
    budget_workbook,
    verksamhetsmatt_headings,
    verksamhetsmatt_workbook,
)
from adapters.reports.formats import to_json


def import_file(path: Path, db: str | None) -> None:
    with open_volym(db, needs_key=False) as volym:
        done = budgeting.import_budget_file(volym, path, cli_actor())
    words = {"imported": "importerad", "revised": "reviderad", "unchanged": "oförändrad"}
    for year, outcome in done.items():
        print(f"budget {year}: {words[outcome]}")


def show(year: int, fmt: str, as_of: datetime | None, output: Path | None, db: str | None) -> None:
    needs_file(fmt, output)
    if output is not None:
        check_output(output)
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        document = budgeting.show_budget(volym, year, as_of)
    if fmt == "xlsx":
        assert output is not None
        output.write_bytes(budget_workbook(document, datetime.now(UTC)))
    elif fmt == "json":
        emit(to_json(document), output)
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["row", "label", "kind", "measure", "where", "budget",
                         *[f"m{n:02d}" for n in range(1, 13)]])  # fmt: skip
        for row in document["rows"]:
            writer.writerow([row["row"], row["label"], row["kind"], row["measure"],
                             _where_text(row["where"]), row["budget"], *row["months"]])  # fmt: skip
        emit(out.getvalue(), output)
    else:
        as_of_text = document["as_of"]
        stamp = stamp_lines(as_of_text, None, datetime.now(UTC))
        table = Table(
            title=f"Budget {year}",
            caption=f"{stamp[0]}; revision {document['revision']}; {stamp[2]}.",
        )
        table.add_column("Rad")
        table.add_column("Mått")
        table.add_column("Budget helår", justify="right")
        for row in document["rows"]:
            decimals = 1 if row["measure"] in BUDGET_ONE_DECIMAL else 0
            measure = MEASURE_LABELS.get(row["measure"], row["measure"])
            table.add_row(row["label"], measure, swedish_number(row["budget"], decimals))
        present(lambda console: console.print(table), output)


def set_forecast(year: int, row: str, value: str, reason: str, db: str | None) -> None:
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        budgeting.set_forecast(volym, year, row, value, reason, cli_actor())
    print(f"prognos {year} {row}: {value} ({reason})")


def clear_forecast(year: int, row: str, db: str | None) -> None:
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        budgeting.clear_forecast(volym, year, row, cli_actor())
    print(f"prognos {year} {row}: beräknad igen")


def backtest(year: int, cutoffs: list[str], fmt: str, output: Path | None, db: str | None) -> None:
    if fmt == "xlsx":
        raise UserError("--format xlsx: the backtest is given as table, json or csv")
    if output is not None:
        check_output(output)
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        document = budgeting.backtest(volym, year, cutoffs)
    if fmt == "json":
        emit(to_json(document), output)
    elif fmt == "csv":
        emit(_backtest_csv(document), output)
    else:
        present(lambda console: _print_backtest(console, document), output)


BACKTEST_KEYS = ["row", "label", "kind", "measure", "outcome", "forecast", "error", "error_pct",
                 "forecast_run_rate", "run_rate_error", "run_rate_error_pct"]  # fmt: skip


def _backtest_csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["year", "cutoff", *BACKTEST_KEYS])
    for cutoff in document["cutoffs"]:
        for row in cutoff["rows"]:
            cells = ["" if row[k] is None else row[k] for k in BACKTEST_KEYS]
            writer.writerow([document["year"], cutoff["cutoff"], *cells])
    return out.getvalue()


def _print_backtest(console: Console, document: dict[str, Any]) -> None:
    year, borrowed = document["year"], document["rows_from_budget"]
    stamp = "; ".join(stamp_lines(None, document["data_through"], datetime.now(UTC)))
    rows_note = "" if borrowed == year else f" Raderna är hämtade från budget {borrowed}."
    for cutoff in document["cutoffs"]:
        table = Table(
            title=f"Prognosens träffsäkerhet {year}, gjord {cutoff['cutoff']}",
            caption=f"Prognos av de händelser som registrerats t.o.m. {cutoff['cutoff']}, "
            f"mot helårets utfall.{rows_note} {stamp}.",
        )
        table.add_column("Verksamhetsmått")
        for heading in ("Utfall helår", "Prognos", "Fel", "Fel %", "Oförändrat läge",
                        "Fel", "Fel %"):  # fmt: skip
            table.add_column(heading, justify="right")
        for row in cutoff["rows"]:
            decimals = 1 if row["measure"] in BUDGET_ONE_DECIMAL else 0
            table.add_row(
                row["label"],
                *(swedish_number(row[k], decimals) for k in ("outcome", "forecast", "error")),
                swedish_number(row["error_pct"], 1),
                *(
                    swedish_number(row[k], decimals)
                    for k in ("forecast_run_rate", "run_rate_error")
                ),
                swedish_number(row["run_rate_error_pct"], 1),
            )
        means = cutoff["mean_abs_error_pct"]
        table.add_row(
            "Medelabsolutfel %", "", "", "", swedish_number(means["forecast"], 1),
            "", "", swedish_number(means["run_rate"], 1), style="bold",
        )  # fmt: skip
        console.print(table)
    means = document["mean_abs_error_pct"]
    method, steady = swedish_number(means["forecast"], 1), swedish_number(means["run_rate"], 1)
    console.print(
        f"Medelabsolutfel {year}, alla brytdagar: prognosen {method} %, "
        f"oförändrat läge {steady} %."
    )


def verksamhetsmatt(
    period: str,
    year: int | None,
    as_of: datetime | None,
    fmt: str,
    output: Path | None,
    db: str | None,
) -> None:
    needs_file(fmt, output)
    if output is not None:
        check_output(output)
    parameters = {"period": [period], "year": year, "as_of": as_of.isoformat() if as_of else None}
    with (
        open_volym(db, must_exist=True, needs_key=False) as volym,
        logged(volym, "report.verksamhetsmatt", parameters),
    ):
        document = budgeting.verksamhetsmatt(volym, period, year, as_of)
    if fmt == "xlsx":
        assert output is not None
        output.write_bytes(verksamhetsmatt_workbook(document, datetime.now(UTC)))
    elif fmt == "json":
        emit(to_json(document), output)
    elif fmt == "csv":
        emit(_csv(document), output)
    else:
        present(lambda console: console.print(verksamhetsmatt_table(document)), output)


def verksamhetsmatt_table(document: dict[str, Any]) -> Table:
    stamp = "; ".join(stamp_lines(document["as_of"], document["data_through"], datetime.now(UTC)))
    table = Table(
        title=f"Verksamhetsmått {document['period']['label']}",
        caption=f"{stamp}.\nAvvikelse (+): fler än budget för antal, dygn och platser; "
        "lägre än budget för kostnader. * justerad prognos.",
    )
    table.add_column("Verksamhetsmått")
    for heading in verksamhetsmatt_headings(document):
        table.add_column(heading, justify="right")
    for row in document["rows"]:
        decimals = 1 if row["measure"] in BUDGET_ONE_DECIMAL else 0
        cells = [swedish_number(row[key], decimals) for key, _ in VERKSAMHETSMATT_COLUMNS]
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
