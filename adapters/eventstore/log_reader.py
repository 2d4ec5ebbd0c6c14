"""Reading the notification log in bulk for projections.

The library's select_notifications builds a Notification object per row and its mapper
resolves topic and id type per event; for catch-up and rebuild that bookkeeping cost as
much as the projection itself. This reader fetches plain rows and decodes them into the
same domain event objects; anything unusual (an upcast class_version) goes through the
library's mapper, so the result is the same."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any, cast
from uuid import UUID

import msgspec
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import resolve_topic

from adapters.eventstore.codec import EventOf, ShapeError, event_decoder
from adapters.eventstore.sqlite import SQLiteEventRecorder
from adapters.eventstore.store import Digits, EventRecorder, Row
from adapters.eventstore.transcoding import FastTranscoder

_Decoding = tuple[EventOf, int]
Positioned = tuple[
    list[int], list[DomainEvent]
]  # events and their positions, in order  # an event class's decoder, the list its events go to


# SQLite stores ids as lowercase hex, whose characters sort as the digits do.
_SQLITE_DIGIT = "substr(originator_id, -1)"
_HEX = "0123456789abcdefg"  # "g": after the last digit


def read_rows(
    recorder: EventRecorder,
    after: int,
    limit: int,
    upto: int | None = None,
    digits: Digits | None = None,
) -> list[Row]:
    """Stored events after `after` (to `upto`), in order; with `digits`, only those of
    that share of the aggregates (a parallel rebuild)."""
    stop = upto if upto is not None else 2**62
    if not isinstance(recorder, SQLiteEventRecorder):
        # PostgreSQL's driver only where it is used: reading SQLite starts faster.
        from adapters.eventstore.pg_reader import pg_read, pg_read_share

        if digits is None or upto is None:
            return pg_read(recorder, after, limit, stop)
        return pg_read_share(recorder, after, limit, stop, digits)
    low, high = digits if digits is not None else (0, 16)
    share = f" AND {_SQLITE_DIGIT} >= ? AND {_SQLITE_DIGIT} < ?" if digits else ""
    statement_text = (
        f"SELECT rowid, originator_id, originator_version, topic, state "
        f"FROM {recorder.events_table_name} WHERE rowid > ? AND rowid <= ?{share} "
        "ORDER BY rowid LIMIT ?"
    )
    params = (after, stop, _HEX[low], _HEX[high], limit) if digits else (after, stop, limit)
    with recorder.datastore.transaction(commit=False) as c:
        cursor = cast(sqlite3.Cursor, c)  # at run time the sqlite3 cursor itself
        cursor.row_factory = None  # plain tuples, not the library's sqlite3.Row
        cursor.execute(statement_text, params)
        rows: list[Row] = cursor.fetchall()
        return rows


def read_stream_rows(
    recorder: EventRecorder, prefix: str, after: int, upto: int, window: int
) -> list[Row]:
    """One stream's stored events (topics starting with `prefix`) after `after` to `upto`,
    in order, read `window` positions at a time: the other streams' rows, most of a
    stretch of the log, are passed over by the database rather than fetched and dropped
    here (explain's month at ten million events: 54 000 of 101 000 rows). A window keeps
    each statement's range small, so it is read by its key whatever the statistics say."""
    rows: list[Row] = []
    while after < upto:
        stop = min(after + window, upto)
        rows += _stream_window(recorder, prefix, after, stop)
        after = stop
    return rows


def _stream_window(recorder: EventRecorder, prefix: str, after: int, stop: int) -> list[Row]:
    if not isinstance(recorder, SQLiteEventRecorder):
        from adapters.eventstore.pg_reader import pg_read_stream

        return pg_read_stream(recorder, prefix, after, stop)
    with recorder.datastore.transaction(commit=False) as c:
        cursor = cast(sqlite3.Cursor, c)
        cursor.row_factory = None
        cursor.execute(
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {recorder.events_table_name} WHERE rowid > ? AND rowid <= ? "
            "AND substr(topic, 1, ?) = ? ORDER BY rowid",
            (after, stop, len(prefix), prefix),
        )
        found: list[Row] = cursor.fetchall()
        return found


def read_rows_of(recorder: EventRecorder, originator_ids: Iterable[UUID]) -> list[Row]:
    """Every stored event of these aggregates, in log order."""
    ids = sorted(set(originator_ids))
    rows: list[Row] = []
    if not isinstance(recorder, SQLiteEventRecorder):
        from adapters.eventstore.pg_reader import pg_read_of

        for start in range(0, len(ids), 5000):
            rows += pg_read_of(recorder, ids[start : start + 5000])
    else:
        with recorder.datastore.transaction(commit=False) as c:
            cursor = cast(sqlite3.Cursor, c)
            cursor.row_factory = None
            for start in range(0, len(ids), 500):
                chunk = [i.hex for i in ids[start : start + 500]]
                cursor.execute(
                    "SELECT rowid, originator_id, originator_version, topic, state "
                    f"FROM {recorder.events_table_name} "
                    f"WHERE originator_id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
                rows += cursor.fetchall()
    rows.sort(key=lambda row: row[0])
    return rows


class EventDecoder:
    """Turns rows of chosen topics into domain events; other topics are skipped."""

    def __init__(
        self,
        mapper: Mapper[UUID],
        topic_prefix: str | tuple[str, ...],
        *,
        remembered_ids: int = 500_000,
    ) -> None:
        """`remembered_ids`: how many aggregates' ids are kept between calls, decoded once
        (0: none, for a caller that reads few events of many aggregates now and then)."""
        self._mapper = mapper
        self._prefix = topic_prefix
        self._prefixes = (topic_prefix,) if isinstance(topic_prefix, str) else topic_prefix
        self._classes: dict[str, _Decoding | None] = {}  # None: a topic not chosen
        self._ids: dict[UUID | str, UUID] = {}
        self._remembered_ids = remembered_ids

    def decode(self, rows: Iterable[Row]) -> list[DomainEvent]:
        """The events of the chosen topics, in order."""
        events: list[DomainEvent] = []
        self._decode(rows, [events] * len(self._prefixes))
        return events

    def decode_at(self, rows: Iterable[Row]) -> Positioned:
        """The events of the chosen topics, in order, with their positions in the log."""
        events: list[DomainEvent] = []
        positions: list[int] = []
        n = len(self._prefixes)
        self._decode(rows, [events] * n, [positions] * n)
        return positions, events

    def by_prefix_at(self, rows: Iterable[Row]) -> list[Positioned]:
        """by_prefix, with each event's position in the log."""
        lists: list[list[DomainEvent]] = [[] for _ in self._prefixes]
        positions: list[list[int]] = [[] for _ in self._prefixes]
        self._decode(rows, lists, positions)
        return list(zip(positions, lists, strict=True))

    def by_prefix(self, rows: Iterable[Row]) -> list[list[DomainEvent]]:
        """The events of each chosen topic prefix, in order, one list per prefix."""
        lists: list[list[DomainEvent]] = [[] for _ in self._prefixes]
        self._decode(rows, lists)
        return lists

    def _decode(
        self,
        rows: Iterable[Row],
        lists: list[list[DomainEvent]],
        positions: list[list[int]] | None = None,
    ) -> None:
        transcoder = self._mapper.transcoder
        if not isinstance(transcoder, FastTranscoder):  # decode as the library does
            for position, event in self._decode_by_library(rows):
                topic = f"{type(event).__module__}:{type(event).__qualname__}"
                lists[self._index(topic)].append(event)
                if positions is not None:
                    positions[self._index(topic)].append(position)
            return
        classes, ids = self._classes, self._ids
        for notification_id, originator_id, version, topic, state in rows:
            found = classes.get(topic, _UNSEEN)
            if found is _UNSEEN:
                found = classes[topic] = self._class_of(topic, transcoder)
            if found is None:
                continue  # another projection's
            event_of, index = found
            key = ids.get(originator_id)
            if key is None:
                key = ids[originator_id] = _as_uuid(originator_id)
            try:
                domain_event = event_of(state, key, version)
            except ShapeError:  # not the shape of today's class: the library decides
                domain_event = self._by_library(
                    Notification(key, version, topic, state, notification_id)
                )
            lists[index].append(domain_event)
            if positions is not None:
                positions[index].append(notification_id)
        if len(ids) > self._remembered_ids:
            ids.clear()

    def _class_of(self, topic: str, transcoder: FastTranscoder) -> _Decoding | None:
        index = self._index(topic)
        if index < 0:
            return None
        event_of = event_decoder(resolve_topic(topic), transcoder.plain_tags(), transcoder.untag)
        return event_of or _always_by_library, index

    def _index(self, topic: str) -> int:
        """Which prefix `topic` has (-1: none)."""
        return next((n for n, p in enumerate(self._prefixes) if topic.startswith(p)), -1)

    def _decode_by_library(self, rows: Iterable[Row]) -> list[tuple[int, DomainEvent]]:
        return [
            (n, self._by_library(Notification(_as_uuid(o), v, topic, state, n)))
            for n, o, v, topic, state in rows
            if topic.startswith(self._prefixes)
        ]

    def _by_library(self, notification: Notification) -> DomainEvent:
        # volym's stored events are all of DomainEvent classes.
        return cast(DomainEvent, self._mapper.to_domain_event(notification))


_UNSEEN: Any = object()


def _as_uuid(originator_id: UUID | str) -> UUID:
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)


def _always_by_library(state: bytes, originator_id: UUID, version: int) -> DomainEvent:
    raise msgspec.ValidationError("decoded by the library")
