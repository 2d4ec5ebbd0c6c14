"""`volym history`: one aggregate's full event history, as an auditor reads it: what
happened (effective date), when the case system registered it, when volym stored it.
Person data is left out: neither personnummer (never stored) nor pseudonym is shown."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.table import Table

from adapters.cli.output import to_json
from adapters.composition import open_volym
from adapters.errors import UserError
from domain.household import household_key
from domain.investigation import investigation_key
from domain.placement import placement_key

# kind -> (the aggregate's key, its title in a table)
_KINDS = {
    "placement": (placement_key, "Placering"),
    "investigation": (investigation_key, "Ärende"),
    "household": (household_key, "Hushåll"),
}
# Not facts of the event: the envelope shown in its own columns, the aggregate's ids,
# and person data (the pseudonym stands for a person and is not shown either).
_NOT_DETAILS = {
    "originator_id",
    "originator_version",
    "originator_topic",
    "timestamp",
    "event_id",
    "recorded_at",
    "occurred_on",
    "source",
    "placement_id",
    "case_id",
    "household_id",
    "person",
    "applicant",
    "co_applicant",
    "birth_date",
    "sex",
}


def feed_type(event_class: type) -> str:
    """Household.PaymentReversed -> household.payment_reversed: the feed's own names."""
    aggregate, _, name = event_class.__qualname__.partition(".")
    return f"{aggregate.lower()}.{re.sub(r'(?<!^)(?=[A-Z])', '_', name).lower()}"


def event_history(events: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for e in events:
        details = {k: v for k, v in e.__dict__.items() if k not in _NOT_DETAILS}
        # A change's new values, without the person fields a household change may carry.
        changed = details.pop("values", None) or {}
        details.update({k: v for k, v in changed.items() if k not in _NOT_DETAILS})
        rows.append(
            {
                "version": e.originator_version,
                "type": feed_type(type(e)),
                "event_id": e.event_id,
                "occurred_on": e.occurred_on.isoformat(),
                "recorded_at": e.recorded_at.isoformat(),
                "stored_at": e.timestamp.isoformat(),
                "details": {k: _plain(v) for k, v in details.items() if v is not None},
            }
        )
    return rows


def run_history(kind: str, source: str, ident: str, fmt: str, db: str | None) -> None:
    if kind not in _KINDS:
        raise UserError(f"history {kind}: not yet available in this volym version")
    key, title = _KINDS[kind]
    with open_volym(db, must_exist=True) as volym:
        events = list(volym.events.get(key(source, ident)))
    if not events:
        raise UserError(f"no {kind} {ident} from {source} is stored")
    rows = event_history(events)
    if fmt == "json":
        print(to_json({"kind": kind, "source": source, "id": ident, "events": rows}), end="")
        return
    table = Table(title=f"{title} {ident} ({source})", title_justify="left")
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
