"""The use cases, each a function taking an opened store: the one place the command line
(and the coming HTTP API) call, in the manner of cosmicpython's service layer.

    ingest_lines   feed lines -> stored events, projections updated, a receipt
    report         a report of reports.md from the live read model (or as of a moment)
    explain        a report then and now, and the events that changed it
    history        one aggregate's events
    status         each projection's generation, position and lag
    rebuild        every projection built anew aside, then switched to
    verify         every live projection compared with a rebuild in memory
    serve          projections kept live until stopped

Reading use cases never write: a read model that is behind answers as it is, and the
answer says how far behind it is (Freshness)."""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.application import access, budgeting
    from adapters.application.ingesting import IngestSummary, Rejection, ingest_lines
    from adapters.application.maintaining import RebuildReceipt, rebuild, serve, verify
    from adapters.application.reading import (
        Freshness,
        ReportAnswer,
        explain,
        history,
        report,
        report_request,
        status,
    )

# Each name from its module, imported on first use: a report does not import what
# ingesting needs (the feed's models, PostgreSQL's driver), nor the budget's workbooks.
_HOMES = {
    "IngestSummary": "ingesting",
    "Rejection": "ingesting",
    "ingest_lines": "ingesting",
    "RebuildReceipt": "maintaining",
    "rebuild": "maintaining",
    "serve": "maintaining",
    "verify": "maintaining",
    "Freshness": "reading",
    "ReportAnswer": "reading",
    "explain": "reading",
    "history": "reading",
    "report": "reading",
    "report_request": "reading",
    "status": "reading",
}


def __getattr__(name: str) -> Any:
    if name in ("access", "budgeting"):
        return import_module(f"adapters.application.{name}")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'adapters.application' has no attribute {name!r}")
    return getattr(import_module(f"adapters.application.{home}"), name)


__all__ = [
    "Freshness",
    "IngestSummary",
    "RebuildReceipt",
    "Rejection",
    "ReportAnswer",
    "access",
    "budgeting",
    "explain",
    "history",
    "ingest_lines",
    "rebuild",
    "report",
    "report_request",
    "serve",
    "status",
    "verify",
]
