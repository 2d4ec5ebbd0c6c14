"""`volym explain`: a report as it was at a moment and as it is now, and for each figure
that changed, the aggregates that changed it and their events stored since.

"As it was" is the log up to the last commit stored by the moment. The report then is
read from the read model's versions at that position, and the aggregates with events
stored since are reported by the same request grouped by aggregate too, then (their
versions at that position) and now: an aggregate whose own figures in a row differ is a
cause of that row's difference, shown with its events stored since. Only those events
are read from the log, so the cost follows the stretch explained, not the log's length.
A read model whose versions do not reach the moment (behind the log, or a store written
before volym kept commit times) is answered by replaying the log instead, with the same
result."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from adapters.eventstore.log_reader import EventDecoder, read_rows, read_stream_rows
from adapters.eventstore.moments import Moment
from adapters.eventstore.store import Row as LogRow
from adapters.eventstore.store import Store
from adapters.projection.gc_tuning import no_collection
from adapters.projection.replay import log_position_at, versioned_view, view_of_events
from adapters.readmodels.tracking import SqlGenerationView
from adapters.reports.history import event_history
from adapters.reports.request import Cell, Report, ReportRequest, Row
from adapters.reports.stream import AnyReportedStream
from domain.provenance import FedEvent

RowKey = tuple[Cell, ...]  # a row's period and group
# An aggregate's own figures in a row (its measures' values but the period's days), by
# the row and the aggregate's key (hex).
Figures = dict[tuple[RowKey, str], tuple[Cell, ...]]
_BATCH = 5000
_AT_ONCE = 2  # reports run side by side


def explain(
    store: Store,
    stream: AnyReportedStream,
    live: SqlGenerationView,
    request: ReportRequest,
    as_of: datetime,
    position: int,
) -> Report:
    """`live` is the stream's live view, read as it is; `position` is the last event it
    has processed. Built without cyclic garbage collection (projection.gc_tuning)."""
    with no_collection():
        keyed = replace(
            request, by=[*request.by, stream.report_kind.key_dimension], rows_only=True
        )
        # The four reports are independent, and each is mostly the database's work (on
        # SQLite too: the driver lets go of the interpreter while a statement runs), so two
        # run at a time, each on a connection of its own: the machine has two cores.
        with ThreadPoolExecutor(max_workers=_AT_ONCE) as pool:
            now_report = pool.submit(stream.report, live, replace(request, as_of=None))
            moment = log_position_at(store, as_of)
            then_view = versioned_view(store, stream, moment)
            if then_view is not None:
                then_report = pool.submit(stream.report, then_view, request)
                late = _late_rows(store, stream.topic_prefix, moment.position, position)
                touched = sorted({_hex(row[1]) for row in late})
                own_then = pool.submit(stream.report, live.at(moment.position, touched), keyed)
                own_now = pool.submit(stream.report, live.at(position, touched), keyed)
                # While the database counts, this thread decodes the touched aggregates' events,
                # makes their histories and finds their names: in a report of the stretch's
                # period nearly every one is a cause, and this work took half as long as the
                # reports after them (investigations year at 10 M events: 3.4 s of 6.6).
                decoder = EventDecoder(store.events.mapper, stream.topic_prefix)
                late_of = _by_aggregate(cast(list[FedEvent], decoder.decode(late)))
                histories = {key: event_history(events) for key, events in late_of.items()}
                names = live.names(touched)
                now, then = now_report.result(), then_report.result()
                before = _figures(own_then.result(), keyed)
                after = _figures(own_now.result(), keyed)
            else:
                now = now_report.result()
                then, before, after, events, names = _replayed(
                    store, stream, request, keyed, as_of, moment
                )
                late_of = _by_aggregate(events)
                histories = {}
        causes: dict[RowKey, list[str]] = {}
        for row_key, key in _differing(before, after):
            causes.setdefault(row_key, []).append(key)

        # An aggregate that changed a group's row changed the totals' row too, and maybe more
        # rows: its history is made once and shown in each.
        def history_of(key: str) -> list[dict[str, Any]]:
            if key not in histories:
                histories[key] = event_history(late_of[key])
            return histories[key]

        differences = []
        for row_key, (was, is_now) in _paired(then, now, request).items():
            measures = {
                m: {"then": was.get(m), "now": is_now.get(m)}
                for m in stream.report_kind.measures
                if m != "days" and was.get(m) != is_now.get(m)  # days is the period's
            }
            if not measures:
                continue
            explained = [
                {"source": names[key][0], "id": names[key][1], "events": history_of(key)}
                for key in sorted(causes.get(row_key, ()))
                if key in late_of
            ]
            period, *values = row_key
            differences.append(
                {
                    "period": period,
                    "group": dict(zip(request.by, values, strict=True)),
                    "measures": measures,
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


def _replayed(
    store: Store,
    stream: AnyReportedStream,
    request: ReportRequest,
    keyed: ReportRequest,
    as_of: datetime,
    moment: Moment,
) -> tuple[Report, Figures, Figures, list[FedEvent], dict[str, tuple[str, str]]]:
    """The same from the log alone: the events up to the position (on a store older than
    its commit times, those stamped by the moment) and those after."""
    everything = _events(store, stream.topic_prefix)
    if moment.known:
        cut = moment.position
        known_then = [e for p, e in everything if p <= cut]
        late = [e for p, e in everything if p > cut]
    else:
        known_then = [e for _, e in everything if e.timestamp <= as_of]
        late = [e for _, e in everything if e.timestamp > as_of]
    touched = {e.originator_id for e in late}
    then = stream.report(view_of_events(stream, known_then), request)
    own_then = [e for e in known_then if e.originator_id in touched]
    own_now = [e for _, e in everything if e.originator_id in touched]
    before = _figures(stream.report(view_of_events(stream, own_then), keyed), keyed)
    after = _figures(stream.report(view_of_events(stream, own_now), keyed), keyed)
    names = {
        e.originator_id.hex: (getattr(e, "source"), getattr(e, stream.id_field))  # noqa: B009
        for e in own_now
        if isinstance(e, stream.created)
    }
    return then, before, after, late, names


def _by_aggregate(events: list[FedEvent]) -> dict[str, list[FedEvent]]:
    """Events by their aggregate's key (hex), in log order."""
    late_of: dict[str, list[FedEvent]] = {}
    for e in events:
        late_of.setdefault(e.originator_id.hex, []).append(e)
    return late_of


def _late_rows(store: Store, prefix: str, after: int, upto: int) -> list[LogRow]:
    """The stream's stored events after position `after`, to `upto`, undecoded."""
    return read_stream_rows(store.recorder, prefix, after, upto, _BATCH)


def _events(store: Store, prefix: str) -> list[tuple[int, FedEvent]]:
    """Every stored event of one stream with its position, in log order (its events are
    all FedEvents)."""
    decoder = EventDecoder(store.events.mapper, prefix)
    events: list[tuple[int, FedEvent]] = []
    position = 0
    while rows := read_rows(store.recorder, position, _BATCH):
        positions, decoded = decoder.decode_at(rows)
        events += zip(positions, (cast(FedEvent, e) for e in decoded), strict=True)
        position = rows[-1][0]
    return events


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


def _figures(report: Report, keyed: ReportRequest) -> Figures:
    """Each aggregate's own figures in each row of a report grouped by aggregate too."""
    *dims, key_dim = ["period", *keyed.by]
    measures = [m for m in keyed.kind.measures if m != "days"]
    return {
        (tuple(row[d] for d in dims), str(row[key_dim])): tuple(row[m] for m in measures)
        for row in report["rows"]
    }


def _differing(before: Figures, after: Figures) -> list[tuple[RowKey, str]]:
    """(row, aggregate) whose figures differ: an aggregate that ends up where it was in a
    row (started and ended since, both outside it) did not change that row."""
    return sorted(
        (slot for slot in before.keys() | after.keys() if before.get(slot) != after.get(slot)),
        key=str,
    )


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
