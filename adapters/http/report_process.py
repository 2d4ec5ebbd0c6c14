"""Reports made in a process of their own, beside the server's.

The server's process takes events: its ingest pipeline commits and projects in it, and
under the load of eight posting clients a 50 ms report waited for Python's interpreter
lock between its queries (measured: p95 about 950 ms at 200 000 events). A report process
has its own interpreter and its own connections; it reads the same store, and renders the
same bytes the command line prints (render_report is the one place for both paths)."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapters import application
from adapters.composition import Volym, open_volym
from adapters.errors import UserError
from adapters.eventstore.stamp import data_through
from adapters.eventstore.unavailable import StoreUnavailable
from adapters.projection.children import end_with_parent

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROCESSES = 2  # two readers' reports at once; started when first needed


@dataclass(frozen=True)
class ReportParams:
    """A report as asked over HTTP (plain values: they cross to the report process)."""

    kind: str
    period: tuple[str, ...]
    by: tuple[str, ...] = ()
    where: tuple[str, ...] = ()
    as_of: datetime | None = None
    format: str = "json"
    age_bands: str | None = None


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Failed:
    """What went wrong in the report process, as the server answers it: `user` (the
    message, 400/404), `unavailable` (503) or `internal` (500, the kind of failure)."""

    kind: str
    message: str


class StoreUnanswered(Exception):
    """The report process found the store not answering, or the process itself died."""


def render_report(volym: Volym, params: ReportParams) -> Rendered:
    if params.format not in ("json", "csv", "xlsx"):
        raise UserError(f"format {params.format}: one of json, csv, xlsx")
    asked = application.report_request(
        params.kind, params.period, params.by, params.where, params.as_of, params.age_bands
    )
    answer = application.report(volym, asked)
    headers = {}
    if answer.freshness and (note := answer.freshness.note()):
        headers["X-Volym-Note"] = note
    if params.format == "xlsx":
        from adapters.presentation.xlsx import report_workbook

        book = report_workbook(
            answer.report,
            asked.kind.measures,
            data_through(volym, asked.as_of),
            datetime.now(UTC),
        )
        headers["Content-Disposition"] = f'attachment; filename="{params.kind}.xlsx"'
        return Rendered(book, XLSX, headers)
    from adapters.reports.formats import to_csv, to_json

    if params.format == "csv":
        text = to_csv(answer.report, asked.kind.measures)
        return Rendered(text.encode(), "text/csv; charset=utf-8", headers)
    return Rendered(to_json(answer.report).encode(), "application/json", headers)


class ReportProcesses:
    def __init__(self, volym: Volym) -> None:
        self.url = volym.url.render_as_string(hide_password=False)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the processes now, so that no report waits for one to start (measured: the
        first reports took 400-500 ms)."""
        pool = self._executor()
        for _ in range(PROCESSES):
            pool.submit(_ready)

    def stop(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    async def render(self, params: ReportParams) -> Rendered:
        try:
            future: Future[Rendered | Failed] = self._executor().submit(_render, params)
            outcome = await asyncio.wrap_future(future)
        except BrokenProcessPool:
            with self._lock:
                self._pool = None  # the next report starts another
            raise StoreUnanswered("the report process stopped; ask again") from None
        if isinstance(outcome, Failed):
            if outcome.kind == "user":
                raise UserError(outcome.message)
            if outcome.kind == "unavailable":
                raise StoreUnanswered(outcome.message)
            raise RuntimeError(outcome.message)
        return outcome

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=PROCESSES,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_open,
                    initargs=(self.url,),
                )
            return self._pool


_volym: Volym | None = None  # the report process's store, opened once


def _open(url: str) -> None:
    global _volym
    end_with_parent()
    _volym = open_volym(url, must_exist=True, needs_key=False)


def _ready() -> None:
    """What every report imports, imported before the first report."""
    import adapters.reports.formats  # noqa: F401
    from adapters.streams import STREAMS

    for stream in STREAMS:
        assert stream.report_kind.measures


def _render(params: ReportParams) -> Rendered | Failed:
    """In the report process: the rendered report, or what went wrong (an exception might
    not survive the way back, and a traceback must not reach the caller)."""
    assert _volym is not None
    try:
        return render_report(_volym, params)
    except UserError as error:
        return Failed("user", str(error))
    except StoreUnavailable:
        return Failed("unavailable", "the store is unavailable; ask again")
    except Exception as error:
        return Failed("internal", type(error).__name__)
