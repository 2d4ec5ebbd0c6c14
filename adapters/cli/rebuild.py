"""`volym rebuild`: every projection rebuilt aside from one reading of the event store,
then each switched to its new generation (adapters.application.rebuild)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from adapters import application
from adapters.composition import open_volym
from adapters.presentation.labels import swedish_number


def rebuild_all(db: str | None, err: Console) -> None:
    with (
        open_volym(db, needs_key=False) as volym,
        Progress(
            TextColumn("rebuild"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=not err.is_terminal,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("rebuild", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        receipt = application.rebuild(volym, advance)
    for name, generation in receipt.generations.items():
        print(f"rebuilt {name} (generation {generation})")
    print(f"from {swedish_number(receipt.events, 0)} stored events in {receipt.seconds:.1f} s")
