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

from adapters.errors import UserError

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


@app.command()
def report(
    kind: Annotated[Kind, typer.Argument(help="placements, investigations or households")],
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
    db: DbOption = None,
) -> None:
    """Report figures for one or more periods."""
    from adapters.cli.report import run_report

    run_report(kind.value, period, by or [], where or [], as_of, format.value, output, measure, db)


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
    poll: Annotated[float, typer.Option(help="seconds between polls of the event store")] = 1.0,
    db: DbOption = None,
) -> None:
    """Keep every projection caught up with new events until stopped (Ctrl-C)."""
    from adapters.cli.operations import run_serve

    run_serve(db, poll, Console())


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
    print(f"volym: error: {message}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
