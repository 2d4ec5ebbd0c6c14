"""`volym history`: one aggregate's full event history, as an auditor reads it: what
happened (effective date), when the case system registered it, when volym stored it.
Person data is left out: neither personnummer (never stored) nor pseudonym is shown."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from adapters.composition import open_volym
from adapters.errors import UserError
from adapters.output import to_json
from domain.placement import Placement, placement_key

_TYPES: dict[Any, str] = {
    Placement.Started: "placement.started",
    Placement.Changed: "placement.changed",
    Placement.Ended: "placement.ended",
    Placement.Voided: "placement.voided",
}
_STARTED_FACTS = (
    "form",
    "legal_basis",
    "target_group",
    "regi",
    "daily_cost",
    "provider",
    "unaccompanied",
    "accompanying_children",
)


def placement_history(events: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for e in events:
        if isinstance(e, Placement.Started):
            details = {name: getattr(e, name) for name in _STARTED_FACTS}
        elif isinstance(e, Placement.Changed):
            details = dict(e.values)
        else:
            details = {"reason": e.reason}
        rows.append(
            {
                "version": e.originator_version,
                "type": _TYPES[type(e)],
                "event_id": e.event_id,
                "occurred_on": e.occurred_on.isoformat(),
                "recorded_at": e.recorded_at.isoformat(),
                "stored_at": e.timestamp.isoformat(),
                "details": {k: _plain(v) for k, v in details.items() if v is not None},
            }
        )
    return rows


def run_history(kind: str, source: str, ident: str, fmt: str, db: str | None) -> None:
    if kind != "placement":
        raise UserError(f"history {kind}: not yet available in this volym version")
    with open_volym(db, must_exist=True) as volym:
        events = list(volym.events.get(placement_key(source, ident)))
    if not events:
        raise UserError(f"no placement {ident} from {source} is stored")
    rows = placement_history(events)
    if fmt == "json":
        print(to_json({"kind": kind, "source": source, "id": ident, "events": rows}), end="")
        return
    table = Table(title=f"Placering {ident} ({source})", title_justify="left")
    for label in ("#", "Händelse", "Gäller från", "Registrerad", "Lagrad i volym", "Uppgifter"):
        table.add_column(label)
    for row in rows:
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


def _plain(value: Any) -> Any:
    return value if isinstance(value, (bool, int, str)) else str(value)
