"""`volym demo`: the example municipality end to end on the embedded default: each
stream's feed is written, ingested into a fresh SQLite store, and the nämnd's tables of
each stream (its spec's demo_tables) are shown."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from adapters import application
from adapters.application import budgeting  # noqa: F401  (application.budgeting)
from adapters.cli.budget import verksamhetsmatt_table
from adapters.cli.output import render_tables
from adapters.composition import Volym, open_volym
from adapters.eventstore.stamp import data_through
from adapters.presentation.labels import swedish_number
from adapters.presentation.stamp import stamp_lines
from adapters.streams import STREAMS
from adapters.streams.spec import AnyStream

YEARS = (2021, 2022, 2023, 2024, 2025)
EXAMPLE_BUDGET = Path(__file__).resolve().parent.parent / "budget" / "exempelby-budget-2025.csv"
INHABITANTS = 100_000  # at scale 1


def run_demo(directory: Path, seed: int, err: Console, scale: float = 1.0) -> None:
    out = Console() if Console().is_terminal else Console(width=200)
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "volym-demo.db"
    for stale in directory.glob("volym-demo.db*"):
        if not stale.name.endswith(".key"):
            stale.unlink()  # a fresh store each run; the key stays so pseudonyms stay stable
    inhabitants = swedish_number(round(INHABITANTS * scale, -3), 0)
    out.print(f"[bold]Exempelby kommun[/bold] (omkring {inhabitants} invånare)")
    lines: list[str] = []
    for stream in STREAMS:
        written = list(stream.synthetic_feed(seed, scale))
        path = directory / stream.demo_file
        path.write_text("\n".join(written) + "\n", encoding="utf-8")
        out.print(
            f"{swedish_number(len(written), 0)} händelser ({stream.labels.title.lower()}) "
            f"skrivna till {path}"
        )
        lines += written
    started = time.perf_counter()
    with open_volym(f"sqlite:///{database}") as volym:
        with Progress(
            TextColumn("ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            disable=not err.is_terminal,
            transient=True,
        ) as progress:
            task = progress.add_task("ingest", total=len(lines))
            summary = application.ingest_lines(
                volym, iter(lines), progress=lambda n: progress.advance(task, n)
            )
        elapsed = time.perf_counter() - started
        out.print(
            f"inlästa i {database} på {swedish_number(elapsed, 1)} s: "
            f"{swedish_number(summary.accepted, 0)} händelser godtagna, "
            f"{swedish_number(summary.duplicates, 0)} dubbletter, "
            f"{swedish_number(summary.rejected, 0)} avvisade\n"
        )
        for reason in {r for rej in summary.rejections for r in rej.reasons}:
            out.print(f"  avvisad: {reason}")
        for stream in STREAMS:
            _show(volym, stream, out)
        _show_verksamhetsmatt(volym, out)
    out.print(
        f"\nPröva: volym report placements --db sqlite:///{database} --period 2025-T1 "
        "--by form_group --by legal_basis\n"
        f"     volym report investigations --db sqlite:///{database} --period 2025 "
        "--by target_group --by outcome\n"
        f"     volym report households --db sqlite:///{database} --period 2025 --by newly_arrived\n"
        f"     volym report verksamhetsmatt --db sqlite:///{database} --period 2025-01..2025-08 "
        "--format json"
    )


def _show_verksamhetsmatt(volym: Volym, out: Console) -> None:
    """The nämnd's volume appendix per August of the last full year, against the budget
    file the example municipality's controller made (adapters/budget/)."""
    done = application.budgeting.import_budget_file(volym, EXAMPLE_BUDGET, "demo")
    years = ", ".join(str(y) for y in done)
    out.print(f"\nbudget {years} inläst från {EXAMPLE_BUDGET.name}")
    document = application.budgeting.verksamhetsmatt(volym, f"{YEARS[-1]}-01..{YEARS[-1]}-08")
    out.print(verksamhetsmatt_table(document))


def _show(volym: Volym, stream: AnyStream, out: Console) -> None:
    for table in stream.demo_tables(YEARS):
        request = application.report_request(stream.name, table.periods, table.by, table.where)
        answer = application.report(volym, request)
        render_tables(answer.report, table.measures, out)
    # Every table people read says how fresh it is (issue 14, item 8): once per stream.
    stamp = stamp_lines(None, data_through(volym), datetime.now(UTC))
    out.print("; ".join(stamp) + ".", highlight=False)
