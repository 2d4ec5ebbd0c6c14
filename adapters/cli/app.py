"""The `volym` command line (reports.md). Exit 0 done, 1 error (one line on stderr, no
traceback), 2 ingestion finished but some lines were rejected.

Parsed by click: typer, which this was written with first, builds a pydantic validator for
every option of a command before it runs, and with pydantic's import that was a quarter of
a report's start-up."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from adapters.errors import UserError, one_line

F = TypeVar("F", bound=Callable[..., Any])


@click.group(
    help="volym: case volumes and costs of individ- och familjeomsorg, from case-system events.",
    context_settings={"help_option_names": ["--help"]},
)
def app() -> None:
    pass


class _Moment(click.ParamType):
    """A date or a date and time in ISO 8601 (2023-04-30, 2023-04-30T12:00, with or
    without seconds and an offset)."""

    name = "datetime"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            example = "e.g. 2023-04-30T12:00"
            self.fail(f"{value!r}: write a date or a date and time, {example}", param, ctx)


MOMENT = _Moment()


def db_option(command: F) -> F:
    option = click.option(
        "--db",
        envvar="VOLYM_DATABASE_URL",
        show_envvar=True,
        help="sqlite:///PATH (default sqlite:///volym.db) or postgresql://USER:PASSWORD@HOST:PORT/DB",
    )
    return option(command)


def _choice(*names: str) -> click.Choice[str]:
    return click.Choice(names)


FORMATS = _choice("table", "json", "csv", "xlsx")
TABLE_OR_JSON = _choice("table", "json")
# The streams by name, as the command line offers them. Written out rather than read from
# adapters.streams, so that `volym --help` and a mistyped command need not import every
# room; tests/test_streams.py holds them equal to the specs.
KINDS = ("placements", "investigations", "households")
AGGREGATES = ("placement", "investigation", "household")
REPORTS = (*KINDS, "verksamhetsmatt")


def err() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def out() -> Any:
    from rich.console import Console

    return Console()


@app.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--rejects",
    type=click.Path(path_type=Path),
    help="where rejected lines go (default: FILE.rejects.jsonl beside each file)",
)
@db_option
def ingest(files: tuple[Path, ...], rejects: Path | None, db: str | None) -> None:
    """Read feed files into the event store and update the projections."""
    from adapters.cli.ingest_files import ingest_files

    rejected = ingest_files(list(files), rejects, db, err())
    if rejected:
        sys.exit(2)


@app.command()
@click.argument("kind", type=_choice(*REPORTS))
@click.option("--period", multiple=True, required=True, help="e.g. 2023, 2023-T1, 2023-Q1")
@click.option("--by", multiple=True, help="dimension to split by")
@click.option("--where", multiple=True, help="DIM=VALUE filter")
@click.option("--as-of", type=MOMENT, help="figures from the events stored by then")
@click.option("--format", "format_", type=FORMATS, default="table", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), help="write to a file")
@click.option("--measure", multiple=True, help="only these measures (table, csv)")
@click.option(
    "--year-of-budget", type=int, help="verksamhetsmatt: the budget year (default: the period's)"
)
@click.option("--age-bands", help="own age bands in place of the age groups: 0-18,19-20")
@db_option
def report(
    kind: str,
    period: tuple[str, ...],
    by: tuple[str, ...],
    where: tuple[str, ...],
    as_of: datetime | None,
    format_: str,
    output: Path | None,
    measure: tuple[str, ...],
    year_of_budget: int | None,
    age_bands: str | None,
    db: str | None,
) -> None:
    """Report figures for one or more periods; verksamhetsmatt sets them beside the budget."""
    if kind == "verksamhetsmatt":
        from adapters.cli.budget import verksamhetsmatt

        if len(period) != 1 or by or where or measure or age_bands:
            raise UserError(
                "verksamhetsmatt takes one --period, and no --by, --where, --measure or --age-bands"
            )
        verksamhetsmatt(period[0], year_of_budget, as_of, format_, output, db)
        return
    from adapters.cli.report import run_report

    run_report(
        kind, list(period), list(by), list(where), as_of, format_, output,
        list(measure) or None, db, age_bands,
    )  # fmt: skip


@app.command()
@db_option
def rebuild(db: str | None) -> None:
    """Rebuild every projection from the event store (built aside, then switched)."""
    from adapters.cli.rebuild import rebuild_all

    rebuild_all(db, err())


@app.command()
@click.argument("kind", type=_choice(*AGGREGATES))
@click.argument("source")
@click.argument("ident", metavar="ID")
@click.option("--format", "format_", type=TABLE_OR_JSON, default="table", show_default=True)
@db_option
def history(kind: str, source: str, ident: str, format_: str, db: str | None) -> None:
    """The full event history of one aggregate: effective, registered and stored times.

    KIND is placement, investigation or household; SOURCE the sending system (e.g.
    lifecare-nacka); ID its placement_id, case_id or household_id."""
    from adapters.cli.history import run_history

    run_history(kind, source, ident, format_, db)


@app.command()
@db_option
def verify(db: str | None) -> None:
    """Rebuild every projection aside and compare it with the live one (exit 1 on a
    difference, each named)."""
    from adapters.cli.operations import run_verify

    run_verify(db, out())


@app.command()
@click.option("--format", "format_", type=TABLE_OR_JSON, default="table", show_default=True)
@db_option
def status(format_: str, db: str | None) -> None:
    """Each projection's live generation, its position in the event store and its lag."""
    from adapters.cli.operations import run_status

    run_status(db, format_, out())


@app.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", type=int, default=8000, show_default=True, help="port to listen on")
@click.option(
    "--poll", type=float, default=1.0, show_default=True,
    help="seconds between polls of the event store",
)  # fmt: skip
@click.option(
    "--workers", type=int, default=1, show_default=True, help="server processes (one per core)"
)
@db_option
def serve(host: str, port: int, poll: float, workers: int, db: str | None) -> None:
    """The HTTP API (http.md), with every projection kept live, until stopped (Ctrl-C,
    SIGTERM)."""
    from adapters.cli.operations import run_serve

    run_serve(db, poll, err(), host=host, port=port, workers=workers)


@app.group()
def token() -> None:
    """API tokens: made once, stored as hashes, each with a role."""


@token.command("create")
@click.argument("name")
@click.option(
    "--role", required=True, type=_choice("integrator", "reader", "auditor", "admin"),
    help="integrator, reader, auditor or admin",
)  # fmt: skip
@click.option("--source", multiple=True, help="sources an integrator posts for")
@click.option("--expires", type=MOMENT, help="last day it is valid")
@db_option
def token_create(
    name: str, role: str, source: tuple[str, ...], expires: datetime | None, db: str | None
) -> None:
    """Make a token for NAME (who or what uses it, e.g. lifecare-nacka); it is printed once
    and only its hash is kept."""
    from adapters.cli.access import create_token

    day: date | None = expires.date() if expires else None
    create_token(name, role, list(source), day, db)


@token.command("list")
@click.option("--format", "format_", type=TABLE_OR_JSON, default="table", show_default=True)
@db_option
def token_list(format_: str, db: str | None) -> None:
    """Every token: name, role, sources, created, expires, last used (never the token)."""
    from adapters.cli.access import list_tokens

    list_tokens(format_, db)


@token.command("revoke")
@click.argument("name")
@db_option
def token_revoke(name: str, db: str | None) -> None:
    """Withdraw a token: refused from now on, also by a server already running."""
    from adapters.cli.access import revoke_token

    revoke_token(name, db)


@app.group("access-log", invoke_without_command=True)
@click.option("--since", type=MOMENT, help="from this moment (UTC)")
@click.option("--until", type=MOMENT, help="before this moment (UTC)")
@click.option("--actor", help="a token's name, or cli:USER")
@click.option("--subject", help="SOURCE/ID of an aggregate")
@click.option(
    "--format", "format_", type=_choice("table", "json", "csv"), default="table",
    show_default=True,
)  # fmt: skip
@db_option
@click.pass_context
def access_log(
    ctx: click.Context,
    since: datetime | None,
    until: datetime | None,
    actor: str | None,
    subject: str | None,
    format_: str,
    db: str | None,
) -> None:
    """The access log: who asked for what, and whose case-level data was shown. The
    entries, newest first (`volym access-log verify` checks the chain)."""
    if ctx.invoked_subcommand is not None:
        return
    from adapters.cli.access import show_log

    show_log(since, until, actor, subject, format_, db)


@access_log.command("verify")
@db_option
def access_log_verify(db: str | None) -> None:
    """Check the hash chain; exit 1 naming the first entry that does not fit."""
    from adapters.cli.access import verify_log

    verify_log(db)


@app.command()
@click.argument("kind", type=_choice(*KINDS))
@click.option("--period", multiple=True, required=True, help="one line per period")
@click.option("--by", "by", required=True, help="month, quarter, tertial or year")
@click.option("--measure", required=True, help="the measure drawn")
@click.option(
    "--output", required=True, type=click.Path(path_type=Path), help="FILE.png or FILE.svg"
)
@click.option("--where", multiple=True, help="DIM=VALUE filter")
@click.option("--as-of", type=MOMENT, help="figures from the events stored by then")
@db_option
def chart(
    kind: str,
    period: tuple[str, ...],
    by: str,
    measure: str,
    output: Path,
    where: tuple[str, ...],
    as_of: datetime | None,
    db: str | None,
) -> None:
    """Draw a measure over time, one line per period, in Swedish, to PNG or SVG."""
    from adapters.cli.report import run_chart

    run_chart(kind, list(period), by, measure, list(where), as_of, output, db)


@app.group()
def budget() -> None:
    """The nämnd's budget (budget.md), from the controller's file."""


@budget.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@db_option
def budget_import(file: Path, db: str | None) -> None:
    """Check the whole FILE (CSV with ; or .xlsx), then store each of its years (the same
    file again: nothing)."""
    from adapters.cli.budget import import_file

    import_file(file, db)


@budget.command("show")
@click.option("--year", type=int, required=True)
@click.option("--format", "format_", type=FORMATS, default="table", show_default=True)
@click.option("--as-of", type=MOMENT, help="the budget in force at that moment")
@click.option("--output", type=click.Path(path_type=Path), help="write to a file")
@db_option
def budget_show(
    year: int, format_: str, as_of: datetime | None, output: Path | None, db: str | None
) -> None:
    """A budget year's rows, their year's budget and month by month."""
    from adapters.cli.budget import show

    show(year, format_, as_of, output, db)


@app.group()
def forecast() -> None:
    """Forecasts of the verksamhetsmått: overrides with reasons."""


@forecast.command("set")
@click.option("--year", type=int, required=True)
@click.option("--row", required=True, help="the budget row's key")
@click.option("--value", required=True, help="in the measure's unit, e.g. 9,2")
@click.option("--reason", required=True, help="why, in a sentence")
@db_option
def forecast_set(year: int, row: str, value: str, reason: str, db: str | None) -> None:
    """Override a row's computed forecast, with a reason (stored as an event)."""
    from adapters.cli.budget import set_forecast

    set_forecast(year, row, value, reason, db)


@forecast.command("clear")
@click.option("--year", type=int, required=True)
@click.option("--row", required=True)
@db_option
def forecast_clear(year: int, row: str, db: str | None) -> None:
    """Take an override back: the computed forecast stands again."""
    from adapters.cli.budget import clear_forecast

    clear_forecast(year, row, db)


@forecast.command("backtest")
@click.option("--year", type=int, required=True, help="a finished year")
@click.option("--cutoff", multiple=True, help="MM-DD; default 04-30 and 08-31")
@click.option(
    "--format", "format_", type=FORMATS, default="table", show_default=True,
    help="table, json or csv",
)  # fmt: skip
@click.option("--output", type=click.Path(path_type=Path), help="write to a file")
@db_option
def forecast_backtest(
    year: int, cutoff: tuple[str, ...], format_: str, output: Path | None, db: str | None
) -> None:
    """How the forecast and the run-rate, made at each cut-off from the events registered
    by then, compare with the year's outcome."""
    from adapters.cli.budget import backtest

    backtest(year, list(cutoff), format_, output, db)


@app.command()
@click.argument("kind", type=_choice(*KINDS))
@click.option("--period", multiple=True, required=True, help="e.g. 2023-Q1")
@click.option(
    "--as-of", type=MOMENT, required=True, help="the moment the earlier report was made"
)
@click.option("--by", multiple=True, help="dimension to split by")
@click.option("--where", multiple=True, help="DIM=VALUE filter")
@click.option("--format", "format_", type=TABLE_OR_JSON, default="table", show_default=True)
@db_option
def explain(
    kind: str,
    period: tuple[str, ...],
    as_of: datetime,
    by: tuple[str, ...],
    where: tuple[str, ...],
    format_: str,
    db: str | None,
) -> None:
    """The figures then and now, and the events stored since that changed them."""
    from adapters.cli.operations import run_explain

    run_explain(kind, list(period), list(by), list(where), as_of, format_, db, out())


@app.command()
@click.option(
    "--dir", "directory", type=click.Path(path_type=Path), default=Path("demo"),
    show_default=True, help="where the demo database and feed are written",
)  # fmt: skip
@click.option(
    "--seed", type=int, default=2024, show_default=True,
    help="random seed of the example municipality",
)  # fmt: skip
@click.option(
    "--scale", type=float, default=1.0, show_default=True,
    help="size of the municipality: 1 is about 100 000 inhabitants",
)  # fmt: skip
def demo(directory: Path, seed: int, scale: float) -> None:
    """A realistic example municipality, end to end, on the embedded default (SQLite)."""
    from adapters.cli.demo import run_demo

    run_demo(directory, seed, err(), scale)


def main() -> None:
    try:
        code = app.main(prog_name="volym", standalone_mode=False)
    except UserError as error:
        _fail(str(error))
    except click.exceptions.NoArgsIsHelpError as shown:  # the help, asked for by no arguments
        click.echo(shown.ctx.get_help() if shown.ctx else "")
        sys.exit(1)
    except click.ClickException as error:  # usage errors: a reason and where to read more
        _fail(f"{error.format_message().strip()} (see volym --help)")
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.exceptions.Abort:
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
