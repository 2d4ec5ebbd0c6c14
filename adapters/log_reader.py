"""Reading the notification log in bulk for projections.

The library's select_notifications builds a Notification object per row and its mapper
resolves topic and id type per event; for catch-up and rebuild that bookkeeping cost as
much as the projection itself. This reader fetches plain rows and decodes them into the
same domain event objects; anything unusual (an upcast class_version) goes through the
library's mapper, so the result is the same."""

from __future__ import annotations

import typing
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import resolve_topic
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from adapters.eventstore import EventRecorder, PostgresEventRecorder

Row = tuple[int, Any, int, str, bytes]  # id, originator_id, version, topic, state


# A share of the aggregates: those whose id's last hex digit is in range(*digits).
Digits = tuple[int, int]
# SQLite stores ids as lowercase hex, whose characters sort as the digits do.
_SQLITE_DIGIT = "substr(originator_id, -1)"
_HEX = "0123456789abcdefg"  # "g": after the last digit
_PG_DIGIT = "get_byte(uuid_send(originator_id), 15) %% 16"  # psycopg: %% is %


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
    low, high = digits if digits is not None else (0, 16)
    if isinstance(recorder, PostgresEventRecorder):
        share = f" AND {_PG_DIGIT} >= %s AND {_PG_DIGIT} < %s" if digits else ""
        # No upper bound in SQL: with one, PostgreSQL's estimate for a freshly filled table
        # chose a scan of the whole rest of the log and a sort, for every batch (a read of
        # 200 000 events took 2.4 s in batches of 20 000); `stop` is applied here instead.
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {0}.{1} WHERE notification_id > %s" + share + " ORDER BY notification_id LIMIT %s"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        pg_params = (after, low, high, limit) if digits else (after, limit)
        # Binary: bytea as raw bytes, not hex text to parse (measured: half the read time).
        with (
            recorder.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row, binary=True) as cur,
        ):
            cur.execute(statement, pg_params)
            return [r for r in cur.fetchall() if r[0] <= stop]
    share = f" AND {_SQLITE_DIGIT} >= ? AND {_SQLITE_DIGIT} < ?" if digits else ""
    statement_text = (
        f"SELECT rowid, originator_id, originator_version, topic, state "
        f"FROM {recorder.events_table_name} WHERE rowid > ? AND rowid <= ?{share} "
        "ORDER BY rowid LIMIT ?"
    )
    params = (after, stop, _HEX[low], _HEX[high], limit) if digits else (after, stop, limit)
    with recorder.datastore.transaction(commit=False) as c:
        cursor: Any = c  # at run time the sqlite3 cursor itself
        cursor.row_factory = None  # plain tuples, not the library's sqlite3.Row
        cursor.execute(statement_text, params)
        rows: list[Row] = cursor.fetchall()
        return rows


class EventDecoder:
    """Turns rows of chosen topics into domain events; other topics are skipped."""

    def __init__(self, mapper: Mapper[UUID], topic_prefix: str | tuple[str, ...]) -> None:
        self._mapper = mapper
        self._prefix = topic_prefix
        self._prefixes = (topic_prefix,) if isinstance(topic_prefix, str) else topic_prefix
        # topic -> its class, the fields that may hold tags, the index of its prefix
        self._classes: dict[str, tuple[type, tuple[str, ...], int] | None] = {}
        self._ids: dict[Any, UUID] = {}
        self._untag_fields = getattr(mapper.transcoder, "untag_fields", None)

    def decode(self, rows: Iterable[Row]) -> list[Any]:
        """The events of the chosen topics, in order."""
        events: list[Any] = []
        self._decode(rows, [events] * len(self._prefixes))
        return events

    def by_prefix(self, rows: Iterable[Row]) -> list[list[Any]]:
        """The events of each chosen topic prefix, in order, one list per prefix."""
        lists: list[list[Any]] = [[] for _ in self._prefixes]
        self._decode(rows, lists)
        return lists

    def _decode(self, rows: Iterable[Row], lists: list[list[Any]]) -> None:
        untag_fields = self._untag_fields
        if untag_fields is None:  # not volym's transcoder: decode as the library does
            for event in self._decode_by_library(rows):
                topic = f"{type(event).__module__}:{type(event).__qualname__}"
                lists[self._index(topic)].append(event)
            return
        classes, ids = self._classes, self._ids
        for notification_id, originator_id, version, topic, state in rows:
            found = classes.get(topic, _UNSEEN)
            if found is _UNSEEN:
                index = self._index(topic)
                found = classes[topic] = (
                    (*_class_and_tagged_fields(topic), index) if index >= 0 else None
                )
            if found is None:
                continue  # another projection's
            cls, tagged, index = found
            events = lists[index]
            fields = orjson.loads(state)
            if "class_version" in fields:  # an older shape: let the library upcast it
                events.append(
                    self._mapper.to_domain_event(
                        Notification(originator_id, version, topic, state, notification_id)
                    )
                )
                continue
            untag_fields(fields, tagged)
            key = ids.get(originator_id)
            if key is None:
                key = ids[originator_id] = _as_uuid(originator_id)
            fields["originator_id"] = key
            fields["originator_version"] = version
            domain_event: Any = object.__new__(cls)
            object.__setattr__(domain_event, "__dict__", fields)
            events.append(domain_event)
        if len(ids) > 500_000:
            ids.clear()

    def _index(self, topic: str) -> int:
        """Which prefix `topic` has (-1: none)."""
        return next((n for n, p in enumerate(self._prefixes) if topic.startswith(p)), -1)

    def _decode_by_library(self, rows: Iterable[Row]) -> list[Any]:
        return [
            self._mapper.to_domain_event(Notification(o, v, topic, state, n))
            for n, o, v, topic, state in rows
            if topic.startswith(self._prefix)
        ]


_UNSEEN: Any = object()


def _as_uuid(originator_id: Any) -> UUID:
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)


_PLAIN = {str, int, bool, float, type(None), str | None, int | None, bool | None}


def _class_and_tagged_fields(topic: str) -> tuple[type, tuple[str, ...]]:
    """An event class and the fields whose stored JSON may hold tagged values (dates,
    Decimals, containers): only those are looked at when decoding, which halves the cost
    of decoding against walking every field."""
    cls = resolve_topic(topic)
    hints = typing.get_type_hints(cls)
    tagged = tuple(
        name
        for name, hint in hints.items()
        if name not in ("originator_id", "originator_version")
        and typing.get_origin(hint) is not typing.ClassVar
        and hint not in _PLAIN
    )
    return cls, tagged
