"""`volym explain`: a report as it was at a moment and as it is now, and for each figure
that changed, the events stored after that moment that changed it.

"As it was" is the log up to the last commit stored by the moment (the read model's
versions at that position); the events after it are the late ones.

The events are found per aggregate: the placements, cases or households with events
stored after the moment are projected alone, as they were then and as they are now, and
reported by the same request grouped by aggregate too; an aggregate whose own figures in
a row differ is a cause of that row's difference."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import cast
from uuid import UUID

from adapters.eventstore.log_reader import EventDecoder, read_rows, read_rows_of
from adapters.eventstore.store import Store
from adapters.projection.replay import (
    log_position_at,
    versioned_view,
    view_from_log,
    view_of_events,
)
from adapters.readmodels.tracking import SqlGenerationView
from adapters.reports.history import event_history
from adapters.reports.request import Cell, Report, ReportRequest, Row
from adapters.reports.stream import AnyReportedStream
from domain.provenance import FedEvent

RowKey = tuple[Cell, ...]  # a row's period and group


def explain(
    store: Store,
    stream: AnyReportedStream,
    live: SqlGenerationView,
    request: ReportRequest,
    as_of: datetime,
) -> Report:
    """`live` is the stream's live view, read as it is. The report then is read from the
    live model's versions at the log's position then (replayed from the log when it has
    none that reach it), and only the events stored since, and the earlier events of the
    aggregates they touched, are read from the log."""
    now = stream.report(live, replace(request, as_of=None))
    moment = log_position_at(store, as_of)
    if moment.known:
        view = versioned_view(store, stream, moment)
        if view is None:
            view = view_from_log(store, stream, upto=moment.position)
        then = stream.report(view, request)
        late = _events(store, stream.topic_prefix, after=moment.position)
        touched = {e.originator_id for e in late}
        decoder = EventDecoder(store.events.mapper, stream.topic_prefix)
        # Their events known then, and the late ones themselves (the same objects:
        # _causes tells them apart by identity), in log order.
        rows = [r for r in read_rows_of(store.recorder, touched) if r[0] <= moment.position]
        own = [cast(FedEvent, e) for e in decoder.decode(rows)] + late
    else:  # a store older than its commit moments: by the events' own stamps
        everything = _events(store, stream.topic_prefix)
        known_then = [e for e in everything if e.timestamp <= as_of]
        then = stream.report(view_of_events(stream, known_then), request)
        late = [e for e in everything if e.timestamp > as_of]
        touched = {e.originator_id for e in late}
        own = [e for e in everything if e.originator_id in touched]
    causes = _causes(own, late, request, stream)
    names = {e.originator_id.hex: e for e in own if isinstance(e, stream.created)}

    differences = []
    for row_key, (before, after) in _paired(then, now, request).items():
        changed = {
            m: {"then": before.get(m), "now": after.get(m)}
            for m in stream.report_kind.measures
            if m != "days" and before.get(m) != after.get(m)  # days is the period's
        }
        if not changed:
            continue
        by_aggregate: dict[str, list[FedEvent]] = {}
        for key_hex, e in causes.get(row_key, ()):
            by_aggregate.setdefault(key_hex, []).append(e)
        explained = []
        for key_hex, events in sorted(by_aggregate.items()):
            created = names[key_hex]
            explained.append(
                {
                    "source": getattr(created, "source"),  # noqa: B009 - a created event has it
                    "id": getattr(created, stream.id_field),
                    "events": event_history(events),
                }
            )
        period, *values = row_key
        differences.append(
            {
                "period": period,
                "group": dict(zip(request.by, values, strict=True)),
                "measures": changed,
                "causes": explained,
            }
        )
    return {
        "report": stream.name,
        "as_of": as_of.isoformat(),
        "by": list(request.by),
        "where": then["where"],
        "differences": differences,
    }


def _events(store: Store, prefix: str, after: int = 0) -> list[FedEvent]:
    """The stored events of one stream after position `after`, in log order (its events
    are all FedEvents)."""
    decoder = EventDecoder(store.events.mapper, prefix)
    events: list[FedEvent] = []
    position = after
    while rows := read_rows(store.recorder, position, 5000):
        events += [cast(FedEvent, e) for e in decoder.decode(rows)]
        position = rows[-1][0]
    return events


def _rows(report: Report, request: ReportRequest) -> list[Row]:
    rows: list[Row] = report["rows"] if request.by else report["totals"]
    return rows


def _paired(then: Report, now: Report, request: ReportRequest) -> dict[RowKey, tuple[Row, Row]]:
    """Rows of both reports by period and group; a row missing on one side is empty."""
    dims = ["period", *request.by]
    pairs: dict[RowKey, tuple[Row, Row]] = {}
    for side, report in enumerate((then, now)):
        for row in _rows(report, request):
            key = tuple(row[d] for d in dims)
            empty: Row = {}
            before, after = pairs.get(key, (empty, empty))
            pairs[key] = (row, after) if side == 0 else (before, row)
    return pairs


def _causes(
    own: list[FedEvent],
    late: list[FedEvent],
    request: ReportRequest,
    stream: AnyReportedStream,
) -> dict[RowKey, list[tuple[str, FedEvent]]]:
    """For each row of the request, the late events that changed it: the touched
    aggregates are projected alone with what was known then plus their first j late
    events, j = 0, 1, ...; the j-th late event of an aggregate is a cause of a row where
    the aggregate's own figures change from step j-1 to step j, and differ in the end."""
    order = {id(e): n for n, e in enumerate(late)}
    nth: dict[int, int] = {}
    seen: dict[UUID, int] = {}
    for e in late:
        nth[id(e)] = seen.get(e.originator_id, 0)
        seen[e.originator_id] = nth[id(e)] + 1
    key_dim = stream.report_kind.key_dimension
    keyed = replace(request, by=[*request.by, key_dim])
    dims = ["period", *request.by]
    late_of: dict[str, list[FedEvent]] = {}
    for e in late:
        late_of.setdefault(e.originator_id.hex, []).append(e)
    previous: dict[RowKey, Row] = {}
    first: dict[RowKey, Row] = {}
    found: dict[RowKey, list[tuple[str, FedEvent]]] = {}
    for step in range(max(seen.values(), default=0) + 1):
        events = [e for e in own if id(e) not in order or nth[id(e)] < step]
        figures = {
            tuple(row[d] for d in [*dims, key_dim]): _measures(row)
            for row in stream.report(view_of_events(stream, events), keyed)["rows"]
        }
        if not step:
            first = figures
        else:
            for slot in previous.keys() | figures.keys():
                if previous.get(slot) != figures.get(slot):
                    *row_key, key = slot
                    key_hex = str(key)
                    if len(late_of[key_hex]) >= step:
                        found.setdefault(tuple(row_key), []).append(
                            (key_hex, late_of[key_hex][step - 1])
                        )
        previous = figures
    # An aggregate that ends up where it was (started and ended since, both outside the
    # row) did not change the row, whatever its events did along the way.
    return {
        row_key: [
            (key_hex, e)
            for key_hex, e in events
            if first.get((*row_key, key_hex)) != previous.get((*row_key, key_hex))
        ]
        for row_key, events in found.items()
    }


def _measures(row: Row) -> Row:
    return {k: v for k, v in row.items() if k != "days"}
