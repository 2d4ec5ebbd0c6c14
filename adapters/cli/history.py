"""`volym history`: one aggregate's events as an auditor reads them (no person data)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from adapters import application
from adapters.cli.access import logged
from adapters.cli.output import to_json
from adapters.composition import open_volym


def run_history(kind: str, source: str, ident: str, fmt: str, db: str | None) -> None:
    with (
        open_volym(db, must_exist=True, needs_key=False) as volym,
        logged(volym, f"history.{kind}", {"source": source, "id": ident}) as subjects,
    ):
        found = application.history(volym, kind, source, ident)
        subjects.append(f"{source}/{ident}")
    if fmt == "json":
        document = {"kind": kind, "source": source, "id": ident, "events": found.events}
        print(to_json(document), end="")
        return
    table = Table(title=f"{found.title} {ident} ({source})", title_justify="left")
    for label in ("#", "Händelse", "Gäller från", "Registrerad", "Lagrad i volym", "Uppgifter"):
        table.add_column(label)
    for row in found.events:
        details = ", ".join(f"{k}={v}" for k, v in row["details"].items())
        table.add_row(
            str(row["version"]),
            row["type"],
            row["occurred_on"],
            row["recorded_at"],
            row["stored_at"],
            details,
        )
    console = Console() if Console().is_terminal else Console(width=200)
    console.print(table)
