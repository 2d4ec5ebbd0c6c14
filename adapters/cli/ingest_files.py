"""`volym ingest`: files (or standard input, `-`) to the ingest use case, rejects to their
file, progress and a summary per input."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, BinaryIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from adapters.application.ingesting import Ingestor, IngestSummary, Rejection, ingestor
from adapters.composition import open_volym
from adapters.errors import UserError
from adapters.presentation.labels import swedish_number

STDIN = Path("-")
STDIN_REJECTS = Path("stdin.rejects.jsonl")  # in the current folder, unless --rejects


class RejectsFile:
    """The lines of this run to fix and send again: a file from an earlier run is replaced
    (not added to), and created on the first rejected line only. Owner-readable: rejected
    lines hold personnummer in clear, as sent."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None
        if not path.parent.is_dir():
            raise UserError(f"{path}: the folder {path.parent} does not exist")
        path.unlink(missing_ok=True)  # an earlier run's lines are not this run's

    def write(self, source_file: str, rejection: Rejection) -> None:
        if self._handle is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            self._handle = os.fdopen(os.open(self.path, flags, 0o600), "w", encoding="utf-8")
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


def _check_inputs(files: list[Path]) -> None:
    if files.count(STDIN) > 1:
        raise UserError("-: standard input can be read only once")
    for path in files:
        if path == STDIN:
            continue
        if path.is_dir():
            raise UserError(f"{path}: is a folder; give the feed files in it (e.g. {path}/*.jsonl)")
        if not path.is_file():
            raise UserError(f"{path}: no such file")


def ingest_files(files: list[Path], rejects: Path | None, db: str | None, err: Console) -> int:
    _check_inputs(files)
    shared = RejectsFile(rejects) if rejects else None
    total_rejected = 0
    with open_volym(db) as volym:
        feeds = ingestor(volym)
        for path in files:
            target = shared or RejectsFile(_rejects_beside(path))
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


def _rejects_beside(path: Path) -> Path:
    return STDIN_REJECTS if path == STDIN else path.with_name(path.name + ".rejects.jsonl")


def _ingest_one(
    ingestor: Ingestor, path: Path, rejects: RejectsFile, err: Console
) -> IngestSummary:
    if path == STDIN:
        return _ingest_handle(ingestor, sys.stdin.buffer, "<stdin>", None, rejects, err)
    with path.open("rb") as handle:
        return _ingest_handle(ingestor, handle, str(path), path.stat().st_size, rejects, err)


def _ingest_handle(
    ingestor: Ingestor,
    handle: BinaryIO,
    name: str,
    size: int | None,
    rejects: RejectsFile,
    err: Console,
) -> IngestSummary:
    with Progress(
        TextColumn(f"ingest {Path(name).name}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%" if size else "{task.completed} lines"),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task("ingest", total=size or None)

        def advance(lines: int) -> None:
            if size:
                progress.update(task, completed=handle.tell())
            else:
                progress.advance(task, lines)

        return ingestor.ingest(handle, on_reject=lambda r: rejects.write(name, r), progress=advance)
