"""Reading the notification log in bulk for projections.

The library's select_notifications builds a Notification object per row and its mapper
resolves topic and id type per event; for catch-up and rebuild that bookkeeping cost as
much as the projection itself. This reader fetches plain rows and decodes them into the
same domain event objects; anything unusual (an upcast class_version) goes through the
library's mapper, so the result is the same."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import resolve_topic
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from adapters.eventstore import EventRecorder, PostgresEventRecorder

Row = tuple[int, Any, int, str, bytes]  # id, originator_id, version, topic, state


def read_rows(
    recorder: EventRecorder, after: int, limit: int, upto: int | None = None
) -> list[Row]:
    stop = upto if upto is not None else 2**62
    if isinstance(recorder, PostgresEventRecorder):
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {0}.{1} WHERE notification_id > %s AND notification_id <= %s "
            "ORDER BY notification_id LIMIT %s"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(statement, (after, stop, limit))
            return [(r[0], r[1], r[2], r[3], bytes(r[4])) for r in cur.fetchall()]
    statement_text = (
        f"SELECT rowid, originator_id, originator_version, topic, state "
        f"FROM {recorder.events_table_name} WHERE rowid > ? AND rowid <= ? "
        "ORDER BY rowid LIMIT ?"
    )
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(statement_text, (after, stop, limit))
        return [tuple(row) for row in c.fetchall()]


class EventDecoder:
    """Turns rows of chosen topics into domain events; other topics are skipped."""

    def __init__(self, mapper: Mapper[UUID], topic_prefix: str | tuple[str, ...]) -> None:
        self._mapper = mapper
        self._prefix = topic_prefix
        self._classes: dict[str, type] = {}
        self._ids: dict[Any, UUID] = {}

    def decode(self, rows: Iterable[Row]) -> list[Any]:
        events: list[Any] = []
        transcoder = self._mapper.transcoder
        for notification_id, originator_id, version, topic, state in rows:
            if not topic.startswith(self._prefix):
                continue
            cls = self._classes.get(topic)
            if cls is None:
                cls = self._classes[topic] = resolve_topic(topic)
            fields = transcoder.decode(state)
            if "class_version" in fields:  # an older shape: let the library upcast it
                events.append(
                    self._mapper.to_domain_event(
                        Notification(originator_id, version, topic, state, notification_id)
                    )
                )
                continue
            fields["originator_id"] = self._uuid(originator_id)
            fields["originator_version"] = version
            domain_event = object.__new__(cls)
            object.__setattr__(domain_event, "__dict__", fields)
            events.append(domain_event)
        if len(self._ids) > 500_000:
            self._ids.clear()
        return events

    def _uuid(self, originator_id: Any) -> UUID:
        if isinstance(originator_id, UUID):
            return originator_id
        found = self._ids.get(originator_id)
        if found is None:
            found = self._ids[originator_id] = UUID(originator_id)
        return found
