"""The event store: the `eventsourcing` library's recorders, extended so that the feed's
idempotency keys are written in the same transaction as the events they produced.

PostgreSQL inserts keep the library's EXCLUSIVE table lock (commit order = notification
order, so projections never skip an event); its db-function insert path is not used."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    EventStore,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoding,
    UUIDAsHex,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class SubclassAwareTranscoder(JSONTranscoder):
    """The library matches exact types; a subclass of date or datetime (freezegun's, or a
    pendulum-like library's) must still be stored as its base type."""

    def _encode_obj(self, o: Any) -> dict[str, Any]:
        for base in type(o).__mro__:
            transcoding = self.types.get(base)
            if transcoding is not None:
                return {"_type_": transcoding.name, "_data_": transcoding.encode(o)}
        return super()._encode_obj(o)


def make_mapper() -> Mapper[UUID]:
    transcoder = SubclassAwareTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


@dataclass(frozen=True)
class FeedKey:
    """(source, event_id) of a feed line, the keyed digest of its body, and which of the
    stored events in the same insert it produced."""

    source: str
    event_id: str
    digest: str
    position: int


class SQLiteEventRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS feed_event ("
            "source TEXT NOT NULL, event_id TEXT NOT NULL, digest TEXT NOT NULL, "
            "notification_id INTEGER NOT NULL, PRIMARY KEY (source, event_id))",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        keys: Sequence[FeedKey] = kwargs.get("feed_keys", ())
        if keys and ids:
            c.executemany(
                "INSERT INTO feed_event VALUES (?,?,?,?)",
                [(k.source, k.event_id, k.digest, ids[k.position]) for k in keys],
            )
        return ids

    def feed_digests(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        by_source: dict[str, list[str]] = {}
        for source, event_id in keys:
            by_source.setdefault(source, []).append(event_id)
        with self.datastore.transaction(commit=False) as c:
            for source, ids in by_source.items():
                for chunk in _chunks(ids, 500):
                    c.execute(
                        "SELECT event_id, digest FROM feed_event WHERE source=? AND event_id IN "
                        f"({','.join('?' * len(chunk))})",
                        [source, *chunk],
                    )
                    for row in c.fetchall():
                        found[(source, row[0])] = row[1]
        return found

    def existing(self, originator_ids: Iterable[UUID]) -> set[UUID]:
        found: set[UUID] = set()
        with self.datastore.transaction(commit=False) as c:
            for chunk in _chunks([i.hex for i in originator_ids], 500):
                c.execute(
                    f"SELECT DISTINCT originator_id FROM {self.events_table_name} "
                    f"WHERE originator_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
                found.update(UUID(row[0]) for row in c.fetchall())
        return found


class PostgresEventRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.feed_event ("
                "source text NOT NULL, event_id text NOT NULL, digest text NOT NULL, "
                "notification_id bigint NOT NULL, PRIMARY KEY (source, event_id))"
            ).format(schema)
        )
        self._insert_keys = SQL("INSERT INTO {0}.feed_event VALUES (%s,%s,%s,%s)").format(schema)
        self._select_keys = SQL(
            "SELECT event_id, digest FROM {0}.feed_event WHERE source=%s AND event_id = ANY(%s)"
        ).format(schema)
        self._select_existing = SQL(
            "SELECT DISTINCT originator_id FROM {0}.{1} WHERE originator_id = ANY(%s)"
        ).format(schema, Identifier(self.events_table_name))

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        keys: Sequence[FeedKey] = kwargs.get("feed_keys", ())
        if keys and ids:
            with curs.connection.cursor() as keys_cursor:
                keys_cursor.executemany(
                    self._insert_keys,
                    [(k.source, k.event_id, k.digest, ids[k.position]) for k in keys],
                )
        return ids

    def feed_digests(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        by_source: dict[str, list[str]] = {}
        for source, event_id in keys:
            by_source.setdefault(source, []).append(event_id)
        found: dict[tuple[str, str], str] = {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            for source, ids in by_source.items():
                curs.execute(self._select_keys, (source, ids))
                for row in curs.fetchall():
                    found[(source, row["event_id"])] = row["digest"]
        return found

    def existing(self, originator_ids: Iterable[UUID]) -> set[UUID]:
        ids = list(originator_ids)
        if not ids:
            return set()
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_existing, (ids,))
            return {row["originator_id"] for row in curs.fetchall()}


EventRecorder = SQLiteEventRecorder | PostgresEventRecorder


def make_event_store(recorder: EventRecorder) -> EventStore[UUID]:
    return EventStore(mapper=make_mapper(), recorder=recorder)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
