"""The event store: the `eventsourcing` library's recorders, extended so that the feed's
idempotency keys are written in the same transaction as the events they produced.

PostgreSQL inserts keep the library's EXCLUSIVE table lock (commit order = notification
order, so projections never skip an event); its db-function insert path is not used."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    EventStore,
    IntegrityError,
    InterfaceError,
    JSONTranscoder,
    Mapper,
    OperationalError,
    StoredEvent,
    Transcoding,
    UUIDAsHex,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteDatastore,
)
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

T = TypeVar("T")


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class FastTranscoder(JSONTranscoder):
    """The library's JSON wire format ({"_type_": name, "_data_": ...} for registered
    types), written and read with orjson: measured about three times faster than the
    library's json-module transcoder, and either reads what the other wrote.

    Dates, datetimes and Decimals go through the registered transcodings (also for
    subclasses, e.g. freezegun's). orjson would write a UUID or a dataclass natively, so
    event fields must not be of those types (ids travel as originator_id)."""

    _OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj, default=self._tagged, option=self._OPTIONS)

    def decode(self, data: bytes) -> Any:
        return self.untag(orjson.loads(data))

    def _tagged(self, o: Any) -> dict[str, Any]:
        for base in type(o).__mro__:
            transcoding = self.types.get(base)
            if transcoding is not None:
                return {"_type_": transcoding.name, "_data_": transcoding.encode(o)}
        return super()._encode_obj(o)

    def __init__(self) -> None:
        super().__init__()
        self._decoders: dict[str, Callable[[Any], Any]] = {}

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._decoders[transcoding.name] = _SAME_AS.get(type(transcoding), transcoding.decode)

    def plain_tags(self) -> dict[type, str]:
        """The tag names of the registered types whose decoding is one built-in call on
        the tagged string (a date, datetime, Decimal, UUID): others may do anything."""
        return {
            cls: transcoding.name
            for cls, transcoding in self.types.items()
            if type(transcoding) in _SAME_AS
        }

    def _untag_fields(self, o: dict[str, Any], names: Iterable[str]) -> None:
        """Replace the tagged values of the fields `names` of `o` in place. The common case
        (a tag holding a plain string) is decoded without recursing."""
        decoders = self._decoders
        for name in names:
            value = o.get(name)
            if type(value) is dict:
                data = value.get("_data_")
                if type(data) is str and len(value) == 2 and "_type_" in value:
                    o[name] = decoders[value["_type_"]](data)
                else:
                    o[name] = self.untag(value)
            elif type(value) is list:
                o[name] = self.untag(value)

    def untag(self, o: Any) -> Any:
        """`o` parsed from JSON, with every tagged value in it decoded."""
        if type(o) is dict:
            if len(o) == 2 and "_type_" in o and "_data_" in o:
                data = o["_data_"]
                if type(data) is dict or type(data) is list:
                    data = self.untag(data)
                return self.names[o["_type_"]].decode(data)
            self._untag_fields(o, list(o))
            return o
        if type(o) is list:
            return [self.untag(v) if type(v) is dict or type(v) is list else v for v in o]
        return o


# The library's transcodings whose decode is exactly one built-in call on a string: called
# directly, without a Python frame each.
_SAME_AS: dict[type, Callable[[str], Any]] = {
    DatetimeAsISO: datetime.fromisoformat,
    DecimalAsStr: Decimal,
    UUIDAsHex: UUID,
    DateAsISO: date.fromisoformat,
}


def make_mapper() -> Mapper[UUID]:
    transcoder = FastTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


class FeedKey(NamedTuple):
    """(source, event_id) of a feed line, the keyed digest of its body, and which of the
    stored events in the same insert it produced."""

    source: str
    event_id: str
    digest: str
    position: int


class SQLiteEventPool(SQLiteConnectionPool):
    """The library's pool, with a page cache big enough for the indexes of a large log:
    with SQLite's default 2 MiB, each commit rewrote index pages read back from disk."""

    def _create_connection(self) -> SQLiteConnection:
        for attempt in range(50):  # see adapters.sql.switch_to_wal: fresh files race
            try:
                connection = super()._create_connection()
                break
            except (InterfaceError, sqlite3.OperationalError) as error:
                if "locked" not in str(error) or attempt == 49:
                    raise
                time.sleep(0.1)
        cursor = connection.cursor()
        cursor.execute("PRAGMA cache_size=-65536")
        return connection


def sqlite_datastore(path: str) -> SQLiteDatastore:
    datastore = SQLiteDatastore(path, lock_timeout=30)
    datastore.pool = SQLiteEventPool(db_name=path, lock_timeout=30)
    return datastore


class SQLiteEventRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS feed_event ("
            "source TEXT NOT NULL, event_id TEXT NOT NULL, digest TEXT NOT NULL, "
            "notification_id INTEGER NOT NULL, PRIMARY KEY (source, event_id))",
        ]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        return self._immediately(lambda c: self._insert_events(c, stored_events, **kwargs))

    def create_table(self) -> None:
        self._immediately(self._create_table)

    def _immediately(self, work: Callable[[SQLiteCursor], T]) -> T:
        """Run `work` in a transaction that takes the write lock first, waiting for the
        busy timeout: the library's deferred BEGIN fails at once when another process
        wrote between this transaction's first read and its first write."""
        with self.datastore.get_connection(commit=True) as conn:
            cursor = conn.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
                result = work(cursor)
                conn.commit()
            except BaseException as error:
                conn.rollback()
                if isinstance(error, sqlite3.IntegrityError):
                    raise IntegrityError(str(error)) from error
                if isinstance(error, sqlite3.OperationalError):
                    raise OperationalError(str(error)) from error
                raise
            return result

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # One executemany instead of the library's execute per row. Row ids are max+1..;
        # under WAL a stale snapshot cannot take the write lock, and the count is checked.
        c.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {self.events_table_name}")
        base = c.fetchone()[0]
        c.executemany(
            self.insert_events_statement,
            [
                (
                    s.originator_id.hex if isinstance(s.originator_id, UUID) else s.originator_id,
                    s.originator_version,
                    s.topic,
                    s.state,
                )
                for s in stored_events
            ],
        )
        c.execute(f"SELECT MAX(rowid) FROM {self.events_table_name}")
        if c.fetchone()[0] != base + len(stored_events):
            raise IntegrityError("notification ids were not contiguous; the insert is undone")
        ids = list(range(base + 1, base + 1 + len(stored_events)))
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
        self._insert_keys = SQL(
            "INSERT INTO {0}.feed_event "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[])"
        ).format(schema)
        # Typed arrays instead of the library's composite-type array: the same rows, the
        # same lock and NOTIFY, without escaping every state as composite text.
        self._insert_arrays = SQL(
            "INSERT INTO {0}.{1} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[]) "
            "RETURNING notification_id"
        ).format(schema, Identifier(self.events_table_name))
        self._select_keys = SQL(
            "SELECT event_id, digest FROM {0}.feed_event WHERE source=%s AND event_id = ANY(%s)"
        ).format(schema)
        self._select_existing = SQL(
            "SELECT DISTINCT originator_id FROM {0}.{1} WHERE originator_id = ANY(%s)"
        ).format(schema, Identifier(self.events_table_name))

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(
            self._insert_arrays,
            (
                [s.originator_id for s in stored_events],
                [s.originator_version for s in stored_events],
                [s.topic for s in stored_events],
                [s.state for s in stored_events],
            ),
        )

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        keys: Sequence[FeedKey] = kwargs.get("feed_keys", ())
        if keys and ids:
            with curs.connection.cursor() as keys_cursor:
                keys_cursor.execute(
                    self._insert_keys,
                    (
                        [k.source for k in keys],
                        [k.event_id for k in keys],
                        [k.digest for k in keys],
                        [ids[k.position] for k in keys],
                    ),
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
