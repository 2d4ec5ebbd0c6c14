"""The `volym` command line (reports.md). Exit 0 done, 1 error (one line on stderr, no
traceback), 2 ingestion finished but some lines were rejected."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from typer.exceptions import Abort, TyperException

from adapters.errors import UserError, one_line

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="volym: case volumes and costs of individ- och familjeomsorg, from case-system events.",
)
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="VOLYM_DATABASE_URL",
        help="sqlite:///PATH (default sqlite:///volym.db) or postgresql://USER:PASSWORD@HOST:PORT/DB",
        show_envvar=True,
    ),
]


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


# The streams by name, as the command line offers them. Written out rather than read from
# adapters.streams, so that `volym --help` and a mistyped command need not import every
# room; tests/test_streams.py holds them equal to the specs.
class Kind(StrEnum):
    placements = "placements"
    investigations = "investigations"
    households = "households"


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="JSON Lines feed files")],
    rejects: Annotated[
        Path | None,
        typer.Option(help="where rejected lines go (default: FILE.rejects.jsonl beside each file)"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Read feed files into the event store and update the projections."""
    from adapters.cli.ingest_files import ingest_files

    rejected = ingest_files(files, rejects, db, err)
    if rejected:
        raise typer.Exit(2)


class ReportName(StrEnum):
    placements = "placements"
    investigations = "investigations"
    households = "households"
    verksamhetsmatt = "verksamhetsmatt"


@app.command()
def report(
    kind: Annotated[
        ReportName,
        typer.Argument(help="placements, investigations, households or verksamhetsmatt"),
    ],
    period: Annotated[list[str], typer.Option("--period", help="e.g. 2023, 2023-T1, 2023-Q1")],
    by: Annotated[list[str] | None, typer.Option("--by", help="dimension to split by")] = None,
    where: Annotated[list[str] | None, typer.Option("--where", help="DIM=VALUE filter")] = None,
    as_of: Annotated[
        datetime | None, typer.Option("--as-of", help="figures from the events stored by then")
    ] = None,
    format: Annotated[Format, typer.Option("--format")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", help="write to a file")] = None,
    measure: Annotated[
        list[str] | None, typer.Option("--measure", help="only these measures (table, csv)")
    ] = None,
    year_of_budget: Annotated[
        int | None, typer.Option(help="verksamhetsmatt: the budget year (default: the period's)")
    ] = None,
    age_bands: Annotated[
        str | None,
        typer.Option("--age-bands", help="own age bands in place of the age groups: 0-18,19-20"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Report figures for one or more periods; verksamhetsmatt sets them beside the budget."""
    if kind is ReportName.verksamhetsmatt:
        from adapters.cli.budget import verksamhetsmatt

        if len(period) != 1 or by or where or measure or age_bands:
            raise UserError(
                "verksamhetsmatt takes one --period, and no --by, --where, --measure or --age-bands"
            )
        verksamhetsmatt(period[0], year_of_budget, as_of, format.value, output, db)
        return
    from adapters.cli.report import run_report

    run_report(
        kind.value, period, by or [], where or [], as_of, format.value, output, measure, db,
        age_bands,
    )  # fmt: skip


@app.command()
def rebuild(db: DbOption = None) -> None:
    """Rebuild every projection from the event store (built aside, then switched)."""
    from adapters.cli.rebuild import rebuild_all

    rebuild_all(db, err)


class HistoryKind(StrEnum):
    placement = "placement"
    investigation = "investigation"
    household = "household"


class HistoryFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def history(
    kind: Annotated[HistoryKind, typer.Argument(help="placement, investigation or household")],
    source: Annotated[str, typer.Argument(help="the sending system, e.g. lifecare-nacka")],
    ident: Annotated[str, typer.Argument(metavar="ID", help="placement_id, case_id, ...")],
    format: Annotated[HistoryFormat, typer.Option("--format")] = HistoryFormat.table,
    db: DbOption = None,
) -> None:
    """The full event history of one aggregate: effective, registered and stored times."""
    from adapters.cli.history import run_history

    run_history(kind.value, source, ident, format.value, db)


@app.command()
def verify(db: DbOption = None) -> None:
    """Rebuild every projection aside and compare it with the live one (exit 1 on a
    difference, each named)."""
    from adapters.cli.operations import run_verify

    run_verify(db, Console())


@app.command()
def status(
    format: Annotated[HistoryFormat, typer.Option("--format")] = HistoryFormat.table,
    db: DbOption = None,
) -> None:
    """Each projection's live generation, its position in the event store and its lag."""
    from adapters.cli.operations import run_status

    run_status(db, format.value, Console())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    poll: Annotated[float, typer.Option(help="seconds between polls of the event store")] = 1.0,
    workers: Annotated[int, typer.Option(help="server processes (one per core)")] = 1,
    db: DbOption = None,
) -> None:
    """The HTTP API (http.md), with every projection kept live, until stopped (Ctrl-C,
    SIGTERM)."""
    from adapters.cli.operations import run_serve

    run_serve(db, poll, Console(stderr=True), host=host, port=port, workers=workers)


token_app = typer.Typer(help="API tokens: made once, stored as hashes, each with a role.")
app.add_typer(token_app, name="token")


class RoleName(StrEnum):
    integrator = "integrator"
    reader = "reader"
    auditor = "auditor"
    admin = "admin"


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="who or what uses it, e.g. lifecare-nacka")],
    role: Annotated[RoleName, typer.Option(help="integrator, reader, auditor or admin")],
    source: Annotated[
        list[str] | None, typer.Option("--source", help="sources an integrator posts for")
    ] = None,
    expires: Annotated[datetime | None, typer.Option(help="last day it is valid")] = None,
    db: DbOption = None,
) -> None:
    """Make a token; it is printed once and only its hash is kept."""
    from adapters.cli.access import create_token

    create_token(name, role.value, source or [], expires.date() if expires else None, db)


@token_app.command("list")
def token_list(
    format: Annotated[HistoryFormat, typer.Option("--format")] = HistoryFormat.table,
    db: DbOption = None,
) -> None:
    """Every token: name, role, sources, created, expires, last used (never the token)."""
    from adapters.cli.access import list_tokens

    list_tokens(format.value, db)


@token_app.command("revoke")
def token_revoke(name: str, db: DbOption = None) -> None:
    """Withdraw a token: refused from now on, also by a server already running."""
    from adapters.cli.access import revoke_token

    revoke_token(name, db)


log_app = typer.Typer(
    help="The access log: who asked for what, and whose case-level data was shown.",
    invoke_without_command=True,
)
app.add_typer(log_app, name="access-log")


class LogFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@log_app.callback()
def access_log(
    ctx: typer.Context,
    since: Annotated[datetime | None, typer.Option(help="from this moment (UTC)")] = None,
    until: Annotated[datetime | None, typer.Option(help="before this moment (UTC)")] = None,
    actor: Annotated[str | None, typer.Option(help="a token's name, or cli:USER")] = None,
    subject: Annotated[str | None, typer.Option(help="SOURCE/ID of an aggregate")] = None,
    format: Annotated[LogFormat, typer.Option("--format")] = LogFormat.table,
    db: DbOption = None,
) -> None:
    """The entries, newest first (`volym access-log verify` checks the chain)."""
    if ctx.invoked_subcommand is not None:
        return
    from adapters.cli.access import show_log

    show_log(since, until, actor, subject, format.value, db)


@log_app.command("verify")
def access_log_verify(db: DbOption = None) -> None:
    """Check the hash chain; exit 1 naming the first entry that does not fit."""
    from adapters.cli.access import verify_log

    verify_log(db)


@app.command()
def chart(
    kind: Annotated[Kind, typer.Argument(help="placements, investigations or households")],
    period: Annotated[list[str], typer.Option("--period", help="one line per period")],
    by: Annotated[str, typer.Option("--by", help="month, quarter, tertial or year")],
    measure: Annotated[str, typer.Option("--measure", help="the measure drawn")],
    output: Annotated[Path, typer.Option("--output", help="FILE.png or FILE.svg")],
    where: Annotated[list[str] | None, typer.Option("--where", help="DIM=VALUE filter")] = None,
    as_of: Annotated[
        datetime | None, typer.Option("--as-of", help="figures from the events stored by then")
    ] = None,
    db: DbOption = None,
) -> None:
    """Draw a measure over time, one line per period, in Swedish, to PNG or SVG."""
    from adapters.cli.report import run_chart

    run_chart(kind.value, period, by, measure, where or [], as_of, output, db)


budget_app = typer.Typer(help="The nämnd's budget (budget.md), from the controller's file.")
app.add_typer(budget_app, name="budget")


@budget_app.command("import")
def budget_import(
    file: Annotated[Path, typer.Argument(help="the budget file: CSV (;) or .xlsx")],
    db: DbOption = None,
) -> None:
    """Check the whole file, then store each of its years (the same file again: nothing)."""
    from adapters.cli.budget import import_file

    import_file(file, db)


@budget_app.command("show")
def budget_show(
    year: Annotated[int, typer.Option("--year")],
    format: Annotated[Format, typer.Option("--format")] = Format.table,
    as_of: Annotated[
        datetime | None, typer.Option("--as-of", help="the budget in force at that moment")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", help="write to a file")] = None,
    db: DbOption = None,
) -> None:
    """A budget year's rows, their year's budget and month by month."""
    from adapters.cli.budget import show

    show(year, format.value, as_of, output, db)


forecast_app = typer.Typer(help="Forecasts of the verksamhetsmått: overrides with reasons.")
app.add_typer(forecast_app, name="forecast")


@forecast_app.command("set")
def forecast_set(
    year: Annotated[int, typer.Option("--year")],
    row: Annotated[str, typer.Option("--row", help="the budget row's key")],
    value: Annotated[str, typer.Option("--value", help="in the measure's unit, e.g. 9,2")],
    reason: Annotated[str, typer.Option("--reason", help="why, in a sentence")],
    db: DbOption = None,
) -> None:
    """Override a row's computed forecast, with a reason (stored as an event)."""
    from adapters.cli.budget import set_forecast

    set_forecast(year, row, value, reason, db)


@forecast_app.command("clear")
def forecast_clear(
    year: Annotated[int, typer.Option("--year")],
    row: Annotated[str, typer.Option("--row")],
    db: DbOption = None,
) -> None:
    """Take an override back: the computed forecast stands again."""
    from adapters.cli.budget import clear_forecast

    clear_forecast(year, row, db)


@forecast_app.command("backtest")
def forecast_backtest(
    year: Annotated[int, typer.Option("--year", help="a finished year")],
    cutoff: Annotated[
        list[str] | None, typer.Option("--cutoff", help="MM-DD; default 04-30 and 08-31")
    ] = None,
    format: Annotated[Format, typer.Option("--format", help="table, json or csv")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", help="write to a file")] = None,
    db: DbOption = None,
) -> None:
    """How the forecast and the run-rate, made at each cut-off from the events registered
    by then, compare with the year's outcome."""
    from adapters.cli.budget import backtest

    backtest(year, cutoff or [], format.value, output, db)


@app.command()
def explain(
    kind: Annotated[Kind, typer.Argument(help="placements, investigations or households")],
    period: Annotated[list[str], typer.Option("--period", help="e.g. 2023-Q1")],
    as_of: Annotated[
        datetime, typer.Option("--as-of", help="the moment the earlier report was made")
    ],
    by: Annotated[list[str] | None, typer.Option("--by", help="dimension to split by")] = None,
    where: Annotated[list[str] | None, typer.Option("--where", help="DIM=VALUE filter")] = None,
    format: Annotated[HistoryFormat, typer.Option("--format")] = HistoryFormat.table,
    db: DbOption = None,
) -> None:
    """The figures then and now, and the events stored since that changed them."""
    from adapters.cli.operations import run_explain

    run_explain(kind.value, period, by or [], where or [], as_of, format.value, db, Console())


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="where the demo database and feed are written")
    ] = Path("demo"),
    seed: Annotated[int, typer.Option(help="random seed of the example municipality")] = 2024,
    scale: Annotated[
        float, typer.Option(help="size of the municipality: 1 is about 100 000 inhabitants")
    ] = 1.0,
) -> None:
    """A realistic example municipality, end to end, on the embedded default (SQLite)."""
    from adapters.cli.demo import run_demo

    run_demo(directory, seed, err, scale)


def main() -> None:
    try:
        code = app(standalone_mode=False)
    except UserError as error:
        _fail(str(error))
    except TyperException as error:  # usage errors: a reason and where to read more
        message = error.format_message().strip()
        if not message or message.startswith("Usage:"):  # no command: the help was shown
            sys.exit(1)
        _fail(f"{message} (see volym --help)")
    except Abort:
        _fail("aborted")
    except KeyboardInterrupt:
        _fail("interrupted")
    except Exception as error:  # the last line of defence: one line, never a traceback
        if os.environ.get("VOLYM_DEBUG"):
            raise
        text = str(error).strip().splitlines()
        _fail(f"{type(error).__name__}: {text[0] if text else ''} (VOLYM_DEBUG=1 shows more)")
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str) -> None:
    print(f"volym: error: {one_line(message)}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
