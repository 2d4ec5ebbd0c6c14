"""An opened store: the event log and its recorder, and the SQL engine of the read models,
on SQLite (a file) or PostgreSQL (a database, optionally one schema of it).

A store opened for writing creates its tables; one opened for reading creates nothing and
writes nothing, so every reading command works through a database role that may only
SELECT. Nothing connects at import time."""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias
from uuid import UUID

from eventsourcing.persistence import EventStore
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url

from adapters.errors import UserError
from adapters.eventstore.engine import SCHEMA_LOCK, WRITE_WAIT, sqlite_begin, sqlite_pragmas
from adapters.eventstore.sqlite import SQLiteEventRecorder, sqlite_datastore
from adapters.eventstore.transcoding import make_mapper

if TYPE_CHECKING:  # PostgreSQL's driver is imported where a PostgreSQL store is opened
    import psycopg
    from eventsourcing.postgres import PostgresDatastore

    from adapters.eventstore.postgres import PostgresEventRecorder

    EventRecorder: TypeAlias = SQLiteEventRecorder | PostgresEventRecorder
else:  # only annotations name it, and they are not evaluated
    EventRecorder = SQLiteEventRecorder

DEFAULT_URL = "sqlite:///volym.db"

# A stored event as the log readers fetch it (adapters.eventstore.log_reader, pg_reader):
# id, originator_id (a UUID from PostgreSQL, hex text from SQLite), version, topic, state
Row = tuple[int, UUID | str, int, str, bytes]
# A share of the aggregates: those whose id's last hex digit is in range(*digits).
Digits = tuple[int, int]


def make_event_store(recorder: EventRecorder) -> EventStore[UUID]:
    return EventStore(mapper=make_mapper(), recorder=recorder)


@dataclass
class Store:
    """The event store and the read models' engine, opened on one database."""

    url: URL
    recorder: EventRecorder
    events: EventStore[UUID]
    engine: Engine

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.database or "volym.db")

    def close(self) -> None:
        self.engine.dispose()
        self.recorder.datastore.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_store(text: str, *, writable: bool = True) -> Store:
    """`writable=False` for commands that only read: the store must exist already (a
    mistyped SQLite path must not become a new, empty store whose reports are all zeros)
    and nothing is created in it."""
    url = parse_url(text)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "volym.db")
        if not writable and not path.is_file():
            raise UserError(f"no volym store at {path} (ingest a feed first, or check --db)")
        path.parent.mkdir(parents=True, exist_ok=True)
        if writable:
            # The database holds pseudonyms and birth dates. SQLite gives its -wal and -shm
            # files the database file's permissions, so the file is made before SQLite does.
            owner_only(path, "-wal", "-shm")
        recorder: EventRecorder = SQLiteEventRecorder(sqlite_datastore(str(path)))
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": WRITE_WAIT})
        event.listen(engine, "connect", sqlite_pragmas)
        event.listen(engine, "begin", sqlite_begin)
    else:
        from adapters.eventstore.postgres import PostgresEventRecorder

        schema = _schema(url)
        recorder = PostgresEventRecorder(_pg_datastore(url, schema))
        engine = _pg_engine(url, schema)
    store = Store(url, recorder, make_event_store(recorder), engine)
    try:
        if writable:
            _create_event_tables(store)
        elif not inspect(engine).has_table(recorder.events_table_name):
            raise UserError(
                f"no volym store at {safe_url(url)} (ingest a feed first, or check --db)"
            )
    except UserError:
        store.close()
        raise
    except Exception as error:
        store.close()
        raise UserError(
            f"cannot open the event store at {safe_url(url)}: {first_line(error)}"
        ) from None
    return store


def owner_only(path: Path, *suffixes: str) -> None:
    """`path`, and the files named like it with `suffixes` that exist, readable by their
    owner only: made so if missing (before anything else makes it), tightened if an older
    volym made them wider."""
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it just now
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for file in (path, *(path.with_name(path.name + suffix) for suffix in suffixes)):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)


def _create_event_tables(store: Store) -> None:
    recorder = store.recorder
    if isinstance(recorder, SQLiteEventRecorder):
        recorder.create_table()  # SQLite serializes schema changes itself
        return
    # A connection of its own: the library's pool must not be asked for a second
    # connection while this one is held.
    with pg_connect(store.url) as conn:
        conn.execute(f"SELECT pg_advisory_lock({SCHEMA_LOCK})")
        try:
            recorder.create_table()
        finally:
            conn.execute(f"SELECT pg_advisory_unlock({SCHEMA_LOCK})")


def parse_url(text: str) -> URL:
    try:
        url = make_url(text)
    except Exception:
        raise UserError(
            f"database URL '{text}' is not sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
        ) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise UserError(f"database URL must start with sqlite:/// or postgresql://, not {text!r}")
    return url


# An unquoted PostgreSQL identifier: it goes into search_path and the library's SQL as is.
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$", re.ASCII)


def _schema(url: URL) -> str | None:
    value = url.query.get("schema")
    if value is None:
        return None
    if not isinstance(value, str) or not _SCHEMA.match(value):
        raise UserError(
            f"?schema={value}: a schema name is 1-63 lowercase letters, digits and _, "
            "starting with a letter or _"
        )
    return value


def _pg_datastore(url: URL, schema: str | None) -> PostgresDatastore:
    import psycopg
    from eventsourcing.postgres import PostgresDatastore

    # The pool retries for its whole open timeout; a direct probe fails fast and says why.
    try:
        pg_connect(url).close()
    except psycopg.Error as error:
        raise UserError(f"cannot connect to {safe_url(url)}: {first_line(error)}") from None
    return PostgresDatastore(**_pg_params(url), pool_size=2, max_overflow=4, schema=schema or "")


def pg_connect(url: URL) -> psycopg.Connection[tuple[Any, ...]]:
    import psycopg

    return psycopg.connect(**_pg_params(url), connect_timeout=5, autocommit=True)


def _pg_params(url: URL) -> dict[str, Any]:
    return {
        "dbname": url.database or "postgres",
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password or "",
    }


# The memory each sort or hash of a statement on the read models' connections may use
# before it spills to disk. PostgreSQL's default (4 MB) made a household report's sorts
# external merges: at 3 million events, p50 with 64 MB against the default, quarter by
# kind 1 040 vs 1 134 ms live and 1 020 vs 1 533 ms as of a moment, year 3 487 vs 3 831
# and 3 062 vs 4 333 ms. A report runs a few such steps at a time, on one connection.
WORK_MEM = "64MB"
# No JIT compilation of the read models' statements. PostgreSQL compiles a statement whose
# estimated cost passes jit_above_cost, and a report's statements pass it from a few million
# events on: compiling cost 41-47 ms of an investigations year statement on a 3 M-event store
# (52 ms at 10 M), more than it saved. Reports on that store, 5 runs per dimension, p50 / p95
# pooled, JIT on then off, two rounds in turn: investigations quarter 292 / 339 and 263 / 293
# -> 273 / 303 and 251 / 285 ms, year 815 / 1 039 and 797 / 1 010 -> 803 / 1 030 and
# 812 / 906 ms.
JIT = "off"


def _pg_engine(url: URL, schema: str | None) -> Engine:
    options = [f"-cwork_mem={WORK_MEM}", f"-cjit={JIT}"]
    if schema:
        options.append(f"-csearch_path={schema}")
    connect_args = {"options": " ".join(options)}
    plain = url.set(drivername="postgresql+psycopg").difference_update_query(["schema"])
    return create_engine(plain, connect_args=connect_args, pool_pre_ping=True)


def safe_url(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
