"""`volym ingest`: files (or standard input, `-`) to the ingest use case, rejects to their
file, progress and a summary per input."""

from __future__ import annotations

import json
import os
import sys
from contextlib import ExitStack
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
    """All the files through one pipeline (as fast as one file holding them all), a
    summary line for each."""
    _check_inputs(files)
    shared = RejectsFile(rejects) if rejects else None
    targets = [shared or RejectsFile(_rejects_beside(path)) for path in files]
    names = ["<stdin>" if path == STDIN else str(path) for path in files]
    with open_volym(db) as volym, ExitStack() as stack:
        handles: list[BinaryIO] = [
            sys.stdin.buffer if path == STDIN else stack.enter_context(path.open("rb"))
            for path in files
        ]
        summaries = _ingest_handles(ingestor(volym), handles, names, targets, err)
    for target in dict.fromkeys(targets):
        target.close()
    for path, target, summary in zip(files, targets, summaries, strict=True):
        where = f" (see {target.path})" if summary.rejected else ""
        print(
            f"{path}: {swedish_number(summary.lines_read, 0)} lines read, "
            f"{swedish_number(summary.accepted, 0)} events accepted, "
            f"{swedish_number(summary.duplicates, 0)} duplicates skipped, "
            f"{swedish_number(summary.rejected, 0)} lines rejected{where}"
        )
    return sum(summary.rejected for summary in summaries)


def _rejects_beside(path: Path) -> Path:
    return STDIN_REJECTS if path == STDIN else path.with_name(path.name + ".rejects.jsonl")


def _ingest_handles(
    feeds: Ingestor,
    handles: list[BinaryIO],
    names: list[str],
    targets: list[RejectsFile],
    err: Console,
) -> list[IngestSummary]:
    sizes = [None if handle is sys.stdin.buffer else _size(handle) for handle in handles]
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%" if all(sizes) else "{task.completed} lines"),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    ) as progress:
        tasks = [
            progress.add_task(f"ingest {Path(name).name}", total=size or None)
            for name, size in zip(names, sizes, strict=True)
        ]

        def advance(index: int, lines: int) -> None:
            if sizes[index]:
                progress.update(tasks[index], completed=handles[index].tell())
            else:
                progress.advance(tasks[index], lines)

        return feeds.ingest_each(
            handles,
            on_reject=lambda index, rejection: targets[index].write(names[index], rejection),
            progress=advance,
        )


def _size(handle: BinaryIO) -> int | None:
    try:
        return os.fstat(handle.fileno()).st_size or None
    except (OSError, ValueError):
        return None
