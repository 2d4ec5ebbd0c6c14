"""`volym rebuild`: every projection rebuilt aside from the event store, then switched."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from adapters.composition import open_volym
from adapters.labels import swedish_number
from adapters.projector import projectors


def rebuild_all(db: str | None, err: Console) -> None:
    with open_volym(db) as volym:
        for name, projector in projectors(volym).items():
            started = time.perf_counter()
            with Progress(
                TextColumn(f"rebuild {name}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
                disable=not err.is_terminal,
                transient=True,
            ) as progress:
                task = progress.add_task("rebuild", total=None)

                def advance(done: int, total: int, task: TaskID = task) -> None:
                    progress.update(task, completed=done, total=total)

                view = projector.rebuild(advance)
            events = view.max_tracking_id(projector.tracking_name(view)) or 0
            elapsed = time.perf_counter() - started
            print(
                f"rebuilt {name} (generation {view.generation}) from "
                f"{swedish_number(events, 0)} stored events in {elapsed:.1f} s"
            )
