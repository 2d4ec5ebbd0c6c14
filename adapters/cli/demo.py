"""`volym demo`: the example municipality end to end on the embedded default: the feed is
written, ingested into a fresh SQLite store, and the nämnd's tables are shown."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from adapters.cli.labels import swedish_number
from adapters.cli.output import render_tables
from adapters.composition import Volym, open_volym
from adapters.ingest.ingestor import Ingestor
from adapters.projection.kinds import (
    HOUSEHOLD_PROJECTION,
    INVESTIGATION_PROJECTION,
    PLACEMENT_PROJECTION,
)
from adapters.projection.projector import Projector
from adapters.reports.households import HOUSEHOLDS, household_report
from adapters.reports.investigations import INVESTIGATIONS, investigation_report
from adapters.reports.placements import PLACEMENTS, placement_report
from adapters.reports.request import parse_request
from adapters.synthetic.households import household_feed
from adapters.synthetic.investigations import case_feed
from adapters.synthetic.placements import placement_feed

YEARS = (2021, 2022, 2023, 2024, 2025)


def run_demo(directory: Path, seed: int, err: Console) -> None:
    out = Console() if Console().is_terminal else Console(width=200)
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "volym-demo.db"
    for stale in directory.glob("volym-demo.db*"):
        if not stale.name.endswith(".key"):
            stale.unlink()  # a fresh store each run; the key stays so pseudonyms stay stable
    out.print("[bold]Exempelby kommun[/bold] (about 100 000 inhabitants)")
    lines: list[str] = []
    for name, what, feed_lines in (
        ("exempelby-placeringar.jsonl", "placement", placement_feed(seed)),
        ("exempelby-utredningar.jsonl", "investigation", case_feed(seed)),
        ("exempelby-ekonomiskt-bistand.jsonl", "household", household_feed(seed)),
    ):
        written = list(feed_lines)
        (directory / name).write_text("\n".join(written) + "\n", encoding="utf-8")
        out.print(f"{swedish_number(len(written), 0)} {what} events written to {directory / name}")
        lines += written
    started = time.perf_counter()
    with open_volym(f"sqlite:///{database}") as volym:
        ingestor = Ingestor(volym)
        with Progress(
            TextColumn("ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err,
            disable=not err.is_terminal,
            transient=True,
        ) as progress:
            task = progress.add_task("ingest", total=len(lines))
            summary = ingestor.ingest(
                iter(lines), on_reject=None, progress=lambda n: progress.advance(task, n)
            )
        elapsed = time.perf_counter() - started
        out.print(
            f"ingested into {database} in {elapsed:.1f} s: "
            f"{swedish_number(summary.accepted, 0)} events accepted, "
            f"{swedish_number(summary.duplicates, 0)} duplicates, "
            f"{swedish_number(summary.rejected, 0)} rejected\n"
        )
        for reason in {r for rej in summary.rejections for r in rej.reasons}:
            out.print(f"  rejected: {reason}")
        view = Projector(volym, PLACEMENT_PROJECTION).live_view()
        first_quarters = [f"{year}-Q1" for year in YEARS]
        for where, measure in (
            (["target_group=barn_unga"], "average_placements"),
            (
                [f"target_group={g}" for g in ("vuxna_missbruk", "vuxna_vald", "vuxna_ovriga")],
                "average_placements",
            ),
        ):
            request = parse_request(PLACEMENTS, first_quarters, ["form_group"], where)
            render_tables(placement_report(view, request), (measure,), out)
        years = parse_request(PLACEMENTS, [str(y) for y in YEARS], ["target_group"])
        report = placement_report(view, years)
        render_tables(report, ("average_placements", "cost", "cost_per_care_day"), out)
        _investigations(volym, out)
        _households(volym, out)
    out.print(
        f"\nTry: volym report placements --db sqlite:///{database} --period 2025-T1 "
        "--by form_group --by legal_basis\n"
        f"     volym report investigations --db sqlite:///{database} --period 2025 "
        "--by target_group --by outcome\n"
        f"     volym report households --db sqlite:///{database} --period 2025 --by newly_arrived"
    )


def _investigations(volym: Volym, out: Console) -> None:
    """The seeds' Verksamhetsstatistik: the first quarter of each year per target group,
    and the share of utredningar that ran over four months."""
    view = Projector(volym, INVESTIGATION_PROJECTION).live_view()
    first_quarters = parse_request(
        INVESTIGATIONS, [f"{year}-Q1" for year in YEARS], ["target_group"]
    )
    render_tables(
        investigation_report(view, first_quarters),
        ("reported", "persons_reported", "opened", "closed"),
        out,
    )
    years = parse_request(INVESTIGATIONS, [str(y) for y in YEARS], ["target_group"])
    render_tables(
        investigation_report(view, years),
        ("assessed_within_14_days_share", "median_duration_days", "closed_over_4_months_share"),
        out,
    )


def _households(volym: Volym, out: Console) -> None:
    """Ekonomiskt bistånd per year: households per month, what was paid, the cost per
    household and the share on long-term assistance (10 of the year's 12 months)."""
    view = Projector(volym, HOUSEHOLD_PROJECTION).live_view()
    years = parse_request(HOUSEHOLDS, [f"{YEARS[0]}-01..{YEARS[-1]}-12"], ["year"])
    render_tables(
        household_report(view, years),
        (
            "households_avg_per_month",
            "amount",
            "cost_per_household",
            "children_avg_per_month",
            "long_term_households",
            "long_term_share",
            "long_term_persons_share",
        ),
        out,
    )
