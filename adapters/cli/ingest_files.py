"""`volym ingest`: files to the ingestor, rejects to their file, progress and a summary."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from adapters.application.ingesting import Ingestor, IngestSummary, Rejection, ingestor
from adapters.cli.labels import swedish_number
from adapters.composition import open_volym
from adapters.errors import UserError


class RejectsFile:
    """Opened on the first rejected line only, owner-readable: rejected lines hold
    personnummer in clear, as sent, so that they can be fixed and sent again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def write(self, source_file: str, rejection: Rejection) -> None:
        if self._handle is None:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._handle = os.fdopen(fd, "a", encoding="utf-8")
        record = {
            "file": source_file,
            "line": rejection.line_no,
            "reasons": rejection.reasons,
            "raw": rejection.raw,
        }
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._handle:
            self._handle.close()


def ingest_files(files: list[Path], rejects: Path | None, db: str | None, err: Console) -> int:
    for path in files:
        if not path.is_file():
            raise UserError(f"{path}: no such file")
    shared = RejectsFile(rejects) if rejects else None
    total_rejected = 0
    with open_volym(db) as volym:
        feeds = ingestor(volym)
        for path in files:
            target = shared or RejectsFile(path.with_name(path.name + ".rejects.jsonl"))
            summary = _ingest_one(feeds, path, target, err)
            if target is not shared:
                target.close()
            total_rejected += summary.rejected
            where = f" (see {target.path})" if summary.rejected else ""
            print(
                f"{path}: {swedish_number(summary.lines_read, 0)} lines read, "
                f"{swedish_number(summary.accepted, 0)} events accepted, "
                f"{swedish_number(summary.duplicates, 0)} duplicates skipped, "
                f"{swedish_number(summary.rejected, 0)} lines rejected{where}"
            )
    if shared:
        shared.close()
    return total_rejected


def _ingest_one(
    ingestor: Ingestor, path: Path, rejects: RejectsFile, err: Console
) -> IngestSummary:
    size = path.stat().st_size
    with (
        path.open("rb") as handle,
        Progress(
            TextColumn(f"ingest {path.name}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=err,
            disable=not err.is_terminal,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("ingest", total=size or 1)
        return ingestor.ingest(
            handle,
            on_reject=lambda r: rejects.write(str(path), r),
            progress=lambda _: progress.update(task, completed=handle.tell()),
        )
