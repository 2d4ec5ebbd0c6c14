"""`volym rebuild`: every projection rebuilt aside from one reading of the event store,
then each switched to its new generation."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from adapters.cli.labels import swedish_number
from adapters.composition import open_volym
from adapters.projection.projector import projectors
from adapters.projection.rebuild import rebuild_together


def rebuild_all(db: str | None, err: Console) -> None:
    with open_volym(db) as volym:
        started = time.perf_counter()
        chosen = list(projectors(volym).values())
        with Progress(
            TextColumn("rebuild"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err,
            disable=not err.is_terminal,
            transient=True,
        ) as progress:
            task = progress.add_task("rebuild", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            views = rebuild_together(volym, chosen, advance)
        elapsed = time.perf_counter() - started
        events = volym.recorder.max_notification_id() or 0
        for projector, view in zip(chosen, views, strict=True):
            print(f"rebuilt {projector.kind.name} (generation {view.generation})")
        print(f"from {swedish_number(events, 0)} stored events in {elapsed:.1f} s")
