"""Small builders so that a test reads as: given these events, when reported, then."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from adapters import application
from adapters.application import IngestSummary
from adapters.composition import Volym
from adapters.projection.projector import Projector
from adapters.projection.rebuild import rebuild_together
from adapters.streams import PLACEMENTS
from adapters.streams.spec import AnyStream

TEST_KEY = "test-key-0123456789abcdef0123456789"
SOURCE = "lifecare-test"
# Valid identifiers (Luhn-checked): a girl born 2012-05-14 and a man born 1985-07-03.
GIRL = "201205142381"
MAN = "198507039116"
WOMAN = "199003122422"
OTHER_MAN = "198801013577"

_counter = iter(range(1, 10**9))


def started(placement_id: str, on: str, **fields: Any) -> dict[str, Any]:
    event = {
        "type": "placement.started",
        "occurred_on": on,
        "placement_id": placement_id,
        "person": GIRL,
        "form": "hvb",
        "legal_basis": "sol",
        "target_group": "barn_unga",
        "regi": "extern",
        "daily_cost": "1000.00",
    }
    return _envelope(event, fields)


def changed(placement_id: str, on: str, **fields: Any) -> dict[str, Any]:
    return _envelope(
        {"type": "placement.changed", "occurred_on": on, "placement_id": placement_id}, fields
    )


def ended(placement_id: str, on: str, **fields: Any) -> dict[str, Any]:
    return _envelope(
        {"type": "placement.ended", "occurred_on": on, "placement_id": placement_id}, fields
    )


def voided(placement_id: str, on: str, **fields: Any) -> dict[str, Any]:
    return _envelope(
        {"type": "placement.voided", "occurred_on": on, "placement_id": placement_id}, fields
    )


def reported(case_id: str, on: str, **fields: Any) -> dict[str, Any]:
    event = {
        "type": "investigation.reported",
        "occurred_on": on,
        "case_id": case_id,
        "person": GIRL,
        "target_group": "barn_unga",
        "route": "anmalan",
    }
    return _envelope(event, fields)


def assessed(case_id: str, on: str, decision: str = "inled_utredning") -> dict[str, Any]:
    return _case_event("assessed", case_id, on, decision=decision)


def opened(case_id: str, on: str) -> dict[str, Any]:
    return _case_event("opened", case_id, on)


def extended(case_id: str, on: str, until: str, **fields: Any) -> dict[str, Any]:
    return _case_event("extended", case_id, on, until=until, **fields)


def closed(case_id: str, on: str, outcome: str = "insats") -> dict[str, Any]:
    return _case_event("closed", case_id, on, outcome=outcome)


def _case_event(kind: str, case_id: str, on: str, **fields: Any) -> dict[str, Any]:
    return _envelope(
        {"type": f"investigation.{kind}", "occurred_on": on, "case_id": case_id}, fields
    )


def household(household_id: str, on: str, **fields: Any) -> dict[str, Any]:
    return _household_event("registered", household_id, on, **{"applicant": MAN, **fields})


def composition(household_id: str, on: str, **fields: Any) -> dict[str, Any]:
    return _household_event("changed", household_id, on, **fields)


def paid(
    household_id: str, on: str, payment_id: str, month: str, amount: str, **fields: Any
) -> dict[str, Any]:
    return _household_event(
        "paid", household_id, on, payment_id=payment_id, month=month, amount=amount, **fields
    )


def reversal(household_id: str, on: str, payment_id: str, **fields: Any) -> dict[str, Any]:
    return _household_event("payment_reversed", household_id, on, payment_id=payment_id, **fields)


def household_closed(household_id: str, on: str) -> dict[str, Any]:
    return _household_event("closed", household_id, on)


def _household_event(what: str, household_id: str, on: str, **fields: Any) -> dict[str, Any]:
    return _envelope(
        {"type": f"household.{what}", "occurred_on": on, "household_id": household_id}, fields
    )


def _envelope(event: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": f"e{next(_counter)}", "source": SOURCE, **event, **fields}


def lines(*events: dict[str, Any]) -> list[str]:
    return [json.dumps(e) for e in events]


def ingest(volym: Volym, *events: dict[str, Any]) -> IngestSummary:
    return application.ingest_lines(volym, lines(*events))


def report_of(
    name: str,
    volym: Volym,
    *periods: str,
    by: tuple[str, ...] = (),
    where: tuple[str, ...] = (),
    as_of: datetime | None = None,
) -> dict[str, Any]:
    request = application.report_request(name, periods, by, where, as_of)
    return application.report(volym, request).report


def report(
    volym: Volym, *periods: str, by: tuple[str, ...] = (), where: tuple[str, ...] = ()
) -> dict[str, Any]:
    return report_of("placements", volym, *periods, by=by, where=where)


def total(volym: Volym, period: str, **kwargs: Any) -> dict[str, Any]:
    return report(volym, period, **kwargs)["totals"][0]


def case_report(
    volym: Volym, *periods: str, by: tuple[str, ...] = (), where: tuple[str, ...] = ()
) -> dict[str, Any]:
    return report_of("investigations", volym, *periods, by=by, where=where)


def case_total(volym: Volym, period: str, **kwargs: Any) -> dict[str, Any]:
    return case_report(volym, period, **kwargs)["totals"][0]


def household_report_of(
    volym: Volym, *periods: str, by: tuple[str, ...] = (), where: tuple[str, ...] = ()
) -> dict[str, Any]:
    return report_of("households", volym, *periods, by=by, where=where)


def household_total(volym: Volym, period: str, **kwargs: Any) -> dict[str, Any]:
    return household_report_of(volym, period, **kwargs)["totals"][0]


def rebuild(volym: Volym, stream: AnyStream = PLACEMENTS) -> Any:
    """One projection rebuilt aside and switched to; its new live view."""
    return rebuild_together(volym, [Projector(volym, stream)])[0]


def live_view(volym: Volym, stream: AnyStream = PLACEMENTS) -> Any:
    return Projector(volym, stream).live_view()


def rows_by(result: dict[str, Any], dim: str) -> dict[Any, dict[str, Any]]:
    return {row[dim]: row for row in result["rows"]}
