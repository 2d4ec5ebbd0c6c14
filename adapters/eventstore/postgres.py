"""The event store on PostgreSQL: the library's recorder, with the feed's idempotency keys
written in the same transaction as the events.

Inserts keep the library's EXCLUSIVE table lock (commit order = notification order, so
projections never skip an event); its db-function insert path is not used."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from adapters.eventstore import moments
from adapters.eventstore.feed_keys import Claim, FeedKey


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
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.feed_claim ("
                "source text NOT NULL, name text NOT NULL, value text NOT NULL, "
                "aggregate text NOT NULL, PRIMARY KEY (source, name, value))"
            ).format(schema)
        )
        for statement in moments.postgres_ddl(self.datastore.schema):
            self.sql_create_statements.append(SQL(statement).format())
        self._insert_moment = SQL(
            "INSERT INTO {0}." + moments.TABLE + " VALUES (%s, %s, %s)"
        ).format(schema)
        self._insert_claims = SQL(
            "INSERT INTO {0}.feed_claim "
            "SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[])"
        ).format(schema)
        self._select_claims = SQL(
            "SELECT c.source, c.name, c.value, c.aggregate FROM {0}.feed_claim c "
            "JOIN unnest(%b::text[], %b::text[], %b::text[]) AS k(source, name, value) "
            "USING (source, name, value)"
        ).format(schema)
        self._insert_keys = SQL(
            "INSERT INTO {0}.feed_event "
            "SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::bigint[])"
        ).format(schema)
        # Typed arrays instead of the library's composite-type array: the same rows, the
        # same lock and NOTIFY, without escaping every state as composite text. Arrays go
        # in binary (%b): as text, psycopg escaped each state and quoted each element in
        # Python (measured: 21 ms against 7 ms for 500 events' arrays).
        self._insert_arrays = SQL(
            "INSERT INTO {0}.{1} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(schema, Identifier(self.events_table_name))
        self._select_keys = SQL(
            "SELECT event_id, digest FROM {0}.feed_event WHERE source=%s AND event_id = ANY(%s)"
        ).format(schema)
        self._select_versions = SQL(
            "SELECT originator_id, MAX(originator_version) AS version FROM {0}.{1} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(schema, Identifier(self.events_table_name))
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
        if ids:  # under the table lock: commit order is id order, and so is stored_at
            with curs.connection.cursor() as moment_cursor:
                moment_cursor.execute(
                    self._insert_moment, (ids[-1], ids[0], moments.now_microseconds())
                )
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
        claims: Sequence[Claim] = kwargs.get("claims", ())
        if claims and ids:
            with curs.connection.cursor() as claims_cursor:
                claims_cursor.execute(
                    self._insert_claims, [list(column) for column in zip(*claims, strict=True)]
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

    def claimed(self, claims: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        """The aggregate (hex) that claimed each of these (source, name, value), if any."""
        wanted = list(set(claims))
        if not wanted:
            return {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                self._select_claims, [list(column) for column in zip(*wanted, strict=True)]
            )
            return {
                (row["source"], row["name"], row["value"]): row["aggregate"]
                for row in curs.fetchall()
            }

    def versions(self, originator_ids: Iterable[UUID]) -> dict[UUID, int]:
        """Each stored aggregate's last version."""
        ids = list(originator_ids)
        if not ids:
            return {}
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_versions, (ids,))
            return {row["originator_id"]: int(row["version"]) for row in curs.fetchall()}

    def existing(self, originator_ids: Iterable[UUID]) -> set[UUID]:
        ids = list(originator_ids)
        if not ids:
            return set()
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_existing, (ids,))
            return {row["originator_id"] for row in curs.fetchall()}


def _columns(rows: Sequence[tuple[str, ...]]) -> list[list[str]]:
    """Rows as one array per column, for unnest."""
    return [list(column) for column in zip(*rows, strict=True)]
