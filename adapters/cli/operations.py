"""The operating commands: `volym serve`, `status`, `verify` and `explain`, as users see
them (the work is in adapters.projection and adapters.reports.explain)."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from adapters import application
from adapters.application.reading import explained_subjects, request_parameters
from adapters.cli.access import logged
from adapters.cli.output import to_json
from adapters.composition import open_volym
from adapters.errors import UserError
from adapters.eventstore.stamp import data_through
from adapters.presentation.labels import (
    MEASURE_LABELS,
    REPORT_TITLES,
    format_measure,
    swedish_number,
    value_label,
)
from adapters.presentation.stamp import local_minute, stamp_lines


def run_status(db: str | None, fmt: str, out: Console) -> None:
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        rows = application.status(volym)
    if fmt == "json":
        out.print_json(to_json({"projections": [dict(vars(r), lag=r.lag) for r in rows]}))
        return
    table = Table(title="Projektioner", title_justify="left")
    for label in ("Projektion", "Generation", "Version", "Behandlad t.o.m.", "Lagrade", "Efter"):
        table.add_column(label, justify="left" if label == "Projektion" else "right")
    for r in rows:
        version = str(r.version) + (
            "" if r.version == r.code_version else f" (kod {r.code_version})"
        )
        table.add_row(
            r.projection,
            str(r.generation),
            version,
            swedish_number(r.position, 0),
            swedish_number(r.head, 0),
            swedish_number(r.lag, 0),
        )
    out.print(table)
    for r in rows:
        if r.failures:
            out.print(
                f"{r.projection}: {r.failures} event(s) could not be applied and are left "
                "out; `volym verify` names them",
                markup=False,
                highlight=False,
            )


def run_serve(
    db: str | None,
    poll: float,
    out: Console,
    stop: threading.Event | None = None,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int = 1,
) -> None:
    """Until interrupted (Ctrl-C or SIGTERM): the HTTP API on `host`:`port`, and every
    projection following the event store (only that without a port)."""
    with open_volym(db) as volym:
        wakes = "notifications and a poll" if volym.is_postgres else "a poll"
        out.print(f"volym serve: projections follow {volym.url.render_as_string()} "
                  f"({wakes} every {poll:g} s; Ctrl-C stops)")  # fmt: skip

        def report(done: dict[str, int]) -> None:
            counts = ", ".join(f"{name} {n}" for name, n in done.items() if n)
            out.print(f"{time.strftime('%H:%M:%S')} projected {counts}")

        if port is not None:
            from adapters.http.server import serve_http

            out.print(f"volym serve: HTTP API on http://{host}:{port}/v1 (docs: /docs)")
            serve_http(volym, host or "127.0.0.1", port, poll, on_step=report, workers=workers)
        else:
            stop = stop or threading.Event()
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, lambda *_: stop.set())
            with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a user stops it
                application.serve(volym, stop, poll=poll, on_step=report)
    out.print("volym serve: stopped")


def run_verify(db: str | None, out: Console) -> None:
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        differences = application.verify(volym)
    if differences:
        for line in differences:
            out.print(line, markup=False, highlight=False)
        raise UserError(
            f"{len(differences)} difference(s) between the live projections and a rebuild "
            "from the log; `volym rebuild` replaces the live ones"
        )
    out.print("verified: every live projection equals a rebuild from the event store")


def run_explain(
    kind: str,
    periods: list[str],
    by: list[str],
    where: list[str],
    as_of: datetime,
    fmt: str,
    db: str | None,
    out: Console,
) -> None:
    request = application.report_request(kind, periods, by, where, as_of)
    with (
        open_volym(db, must_exist=True, needs_key=False) as volym,
        logged(volym, f"explain.{kind}", request_parameters(request)) as subjects,
    ):
        result = application.explain(volym, request)
        subjects += explained_subjects(result)
        through = data_through(volym)
    if fmt == "json":
        print(to_json(result), end="")
        return
    title = REPORT_TITLES.get(kind, kind)
    out.print(f"{title}: siffrorna per {local_minute(result['as_of'])} och nu", highlight=False)
    if not result["differences"]:
        out.print("inga skillnader: inget som lagrats sedan dess ändrade dessa siffror")
    for difference in result["differences"]:
        _print_difference(difference, out)
    # "now" is the live model: stored through the last event; "then" is named above.
    stamp = stamp_lines(None, through, datetime.now(UTC))[1:]
    out.print("\n" + "; ".join(stamp) + ".", highlight=False)


def _print_difference(difference: dict[str, Any], out: Console) -> None:
    group = ", ".join(f"{k}={value_label(k, v)}" for k, v in difference["group"].items())
    out.print(f"\n[bold]{difference['period']}{' · ' + group if group else ''}[/bold]")
    for measure, values in difference["measures"].items():
        then, now = values["then"], values["now"]
        label = MEASURE_LABELS.get(measure, measure)
        out.print(f"  {label}: {format_measure(measure, then)} → {format_measure(measure, now)}")
    for cause in difference["causes"]:
        out.print(f"  på grund av {cause['id']} ({cause['source']}):", highlight=False)
        for e in cause["events"]:
            registered, stored = local_minute(e["recorded_at"]), local_minute(e["stored_at"])
            out.print(
                f"    {e['type']} den {e['occurred_on']}, registrerad {registered}, "
                f"lagrad {stored} (händelse {e['event_id']})",
                highlight=False,
                markup=False,
            )
