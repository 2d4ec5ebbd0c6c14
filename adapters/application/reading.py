"""Use cases that read: report, explain, history, status. None of them writes, so each
works through a database role that may only SELECT. A read model that is behind the log,
or built by another code version, answers as it is; Freshness says how far behind it is
and which command brings it up to date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from adapters.errors import UserError
from adapters.eventstore.store import Store
from adapters.projection.live import ProjectionStatus
from adapters.projection.live import status as projection_status
from adapters.projection.projector import AnyProjector, Projector, projectors
from adapters.projection.replay import view_as_of
from adapters.reports.explain import explain as explain_report
from adapters.reports.history import event_history
from adapters.reports.request import Report, ReportRequest, parse_request
from adapters.streams import STREAMS, stream_named, stream_of_aggregate
from domain.provenance import FedEvent

LOCAL_ZONE = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class Freshness:
    """How the read model a report was made from stands against the log."""

    projection: str
    position: int  # the last event it includes
    head: int  # the last event stored
    built_by: int  # the code version that built it (0: none yet)
    code_version: int

    @property
    def behind(self) -> int:
        return max(self.head - self.position, 0)

    def note(self) -> str | None:
        """One line when the model is not current, else None."""
        if self.built_by and self.built_by != self.code_version:
            return (
                f"{self.projection}: the read model was built by another volym version "
                f"({self.built_by}, now {self.code_version}) and may count differently; "
                "`volym rebuild` brings it up to date"
            )
        if self.behind:
            return (
                f"{self.projection}: the read model is {self.behind} events behind the event "
                "store; `volym serve` (or the next `volym ingest`) brings it up to date"
            )
        return None


@dataclass(frozen=True)
class ReportAnswer:
    report: Report
    freshness: Freshness | None  # None for a report as of a moment: made from the log


def _freshness(store: Store, projector: AnyProjector) -> Freshness:
    (row,) = projection_status(store, {projector.name: projector})
    return Freshness(row.projection, row.position, row.head, row.version, row.code_version)


def report_request(
    name: str,
    periods: Sequence[str],
    by: Sequence[str] = (),
    where: Sequence[str] = (),
    as_of: datetime | None = None,
    age_bands: str | None = None,
) -> ReportRequest:
    """A request for the report `name` (placements, investigations, households), checked
    against reports.md before any store is opened: each mistake is a UserError. A moment
    without an offset is the users' own: Swedish local time."""
    kind = stream_named(name).report_kind
    return parse_request(kind, periods, by, where, local_moment(as_of), age_bands)


def local_moment(as_of: datetime | None) -> datetime | None:
    """A moment without an offset is the users' own: Swedish local time."""
    if as_of is not None and as_of.tzinfo is None:
        return as_of.replace(tzinfo=LOCAL_ZONE)
    return as_of


def report(store: Store, request: ReportRequest) -> ReportAnswer:
    """The report of reports.md: from the live read model, or as of a moment from the
    events stored by then."""
    stream = stream_named(request.kind.name)
    if request.as_of is not None:
        view = view_as_of(store, stream, request.as_of)
        return ReportAnswer(stream.report(view, request), None)
    projector = Projector(store, stream)
    if request.age_bands:
        freshness = _freshness(store, projector)
        if freshness.built_by and freshness.built_by != freshness.code_version:
            raise UserError(
                f"--age-bands: the {stream.name} read model was built by an earlier volym "
                "that did not keep the age; `volym rebuild` first"
            )
    answer = stream.report(projector.readable_view(), request)
    return ReportAnswer(answer, _freshness(store, projector))


def explain(store: Store, request: ReportRequest) -> Report:
    """The report as of the request's moment and now, and for each figure that changed,
    the events stored since then that changed it."""
    if request.as_of is None:
        raise UserError("explain needs --as-of: the moment the earlier report was made")
    stream = stream_named(request.kind.name)
    projector = Projector(store, stream)
    live = projector.readable_view()
    return explain_report(store, stream, live, request, request.as_of, projector.position(live))


@dataclass(frozen=True)
class History:
    aggregate: str
    title: str  # in Swedish, for a table
    source: str
    ident: str
    events: list[dict[str, Any]]  # as event_history gives them: no person data


def history(store: Store, aggregate: str, source: str, ident: str) -> History:
    """One aggregate's full event history: effective, registered and stored times."""
    stream = stream_of_aggregate(aggregate)
    events = [cast(FedEvent, e) for e in store.events.get(stream.key(source, ident))]
    if not events:
        raise UserError(f"no {aggregate} {ident} from {source} is stored")
    return History(aggregate, stream.labels.history_title, source, ident, event_history(events))


def status(store: Store) -> list[ProjectionStatus]:
    """Each projection's live generation, the position it has processed and its lag."""
    return projection_status(store, projectors(store, STREAMS))


def request_parameters(request: ReportRequest) -> dict[str, object]:
    """What was asked, for the access log."""
    return {
        "period": [p.label for p in request.periods],
        "by": list(request.by),
        "where": {k: v for k, v in request.where.items()},
        "as_of": request.as_of.isoformat() if request.as_of else None,
        **({"age_bands": [b.label for b in request.age_bands]} if request.age_bands else {}),
    }


def explained_subjects(result: Report) -> list[str]:
    """The aggregates whose events an explanation shows (source/id)."""
    found = {
        f"{cause['source']}/{cause['id']}"
        for difference in result["differences"]
        for cause in difference["causes"]
    }
    return sorted(found)
