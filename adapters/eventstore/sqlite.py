"""The event store on SQLite: the library's recorder, with the feed's idempotency keys
written in the same transaction as the events, one executemany per insert, and writers
that take the lock up front."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteDatastore,
)

from adapters.eventstore import moments
from adapters.eventstore.engine import WAL_CHECKPOINT_PAGES
from adapters.eventstore.feed_keys import Claim, FeedKey, chunks

T = TypeVar("T")


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
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
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
            "CREATE TABLE IF NOT EXISTS feed_claim ("
            "source TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, "
            "aggregate TEXT NOT NULL, PRIMARY KEY (source, name, value))",
            moments.SQLITE_DDL,
            moments.SQLITE_INDEX,
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
        if ids:
            c.execute(
                f"INSERT INTO {moments.TABLE} VALUES (?,?,?)",
                (ids[-1], ids[0], moments.now_microseconds()),
            )
        keys: Sequence[FeedKey] = kwargs.get("feed_keys", ())
        if keys and ids:
            c.executemany(
                "INSERT INTO feed_event VALUES (?,?,?,?)",
                [(k.source, k.event_id, k.digest, ids[k.position]) for k in keys],
            )
        claims: Sequence[Claim] = kwargs.get("claims", ())
        if claims:
            c.executemany("INSERT INTO feed_claim VALUES (?,?,?,?)", [tuple(k) for k in claims])
        return ids

    def feed_digests(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        by_source: dict[str, list[str]] = {}
        for source, event_id in keys:
            by_source.setdefault(source, []).append(event_id)
        with self.datastore.transaction(commit=False) as c:
            for source, ids in by_source.items():
                for chunk in chunks(ids, 500):
                    c.execute(
                        "SELECT event_id, digest FROM feed_event WHERE source=? AND event_id IN "
                        f"({','.join('?' * len(chunk))})",
                        [source, *chunk],
                    )
                    for row in c.fetchall():
                        found[(source, row[0])] = row[1]
        return found

    def claimed(self, claims: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        """The aggregate (hex) that claimed each of these (source, name, value), if any."""
        found: dict[tuple[str, str, str], str] = {}
        with self.datastore.transaction(commit=False) as c:
            for source, name, value in set(claims):
                c.execute(
                    "SELECT aggregate FROM feed_claim WHERE source=? AND name=? AND value=?",
                    (source, name, value),
                )
                row = c.fetchone()
                if row is not None:
                    found[(source, name, value)] = row[0]
        return found

    def versions(self, originator_ids: Iterable[UUID]) -> dict[UUID, int]:
        """Each stored aggregate's last version."""
        found: dict[UUID, int] = {}
        with self.datastore.transaction(commit=False) as c:
            for chunk in chunks([i.hex for i in originator_ids], 500):
                c.execute(
                    f"SELECT originator_id, MAX(originator_version) FROM {self.events_table_name} "
                    f"WHERE originator_id IN ({','.join('?' * len(chunk))}) GROUP BY originator_id",
                    chunk,
                )
                found.update((UUID(row[0]), int(row[1])) for row in c.fetchall())
        return found

    def existing(self, originator_ids: Iterable[UUID]) -> set[UUID]:
        found: set[UUID] = set()
        with self.datastore.transaction(commit=False) as c:
            for chunk in chunks([i.hex for i in originator_ids], 500):
                c.execute(
                    f"SELECT DISTINCT originator_id FROM {self.events_table_name} "
                    f"WHERE originator_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
                found.update(UUID(row[0]) for row in c.fetchall())
        return found
