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

__all__ = [
    "Freshness",
    "IngestSummary",
    "RebuildReceipt",
    "Rejection",
    "ReportAnswer",
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
