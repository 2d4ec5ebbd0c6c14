"""SQLAlchemy engine settings shared by the read models."""

from __future__ import annotations

import sqlite3
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine, MetaData, inspect

T = TypeVar("T")

# Pages the log may hold before a commit copies them into the database (SQLite's default
# is 1 000): a page written again and again between checkpoints is copied once. A large
# ingest's commits took a fifth of the main process's time (sampled); bench_ingest on
# SQLite, 200 000 events, volym / the library's saves: mixed 0.897 -> 0.961, placements
# 0.843 -> 0.872 (30 000 pages: 0.989, 0.859, within the runs' noise, for three times the
# log). Every connection to the file sets it: whichever commits past it checkpoints.
WAL_CHECKPOINT_PAGES = 10_000


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by sqlite_begin
    cursor = dbapi_connection.cursor()
    switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: index updates stay in memory
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cursor.close()



def switch_to_wal(cursor: Any) -> None:
    """Put the database file in WAL mode. On a fresh file two processes may try at once,
    and SQLite then answers "locked" at once instead of waiting: try again briefly."""
    while_locked(lambda: cursor.execute("PRAGMA journal_mode=WAL"), seconds=5, pause=0.1)


def while_locked(action: Callable[[], object], seconds: float, pause: float) -> None:
    """Run `action`, again every `pause` seconds while SQLite answers "locked", for up
    to `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(pause)


WRITE_WAIT = 30  # seconds a writer waits for the lock, as the engine's busy timeout


def sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front (see writing()); readers take a snapshot.
    if not conn.get_execution_options().get("volym_writer", False):
        conn.exec_driver_sql("BEGIN")
        return
    # SQLite's own busy wait sleeps in steps of up to 100 ms, so a writer kept waiting
    # after the lock was free; the shares of a rebuild write at the same moment and lost
    # about a quarter of a second that way. This asks again every millisecond.
    driver = conn.connection.driver_connection
    driver.execute("PRAGMA busy_timeout=0")
    try:
        while_locked(lambda: driver.execute("BEGIN IMMEDIATE"), seconds=WRITE_WAIT, pause=0.001)
    finally:
        driver.execute(f"PRAGMA busy_timeout={WRITE_WAIT * 1000}")


def writing(engine: Engine) -> Any:
    """A transaction that will write: on SQLite it waits for the write lock at its start
    rather than failing later when another process has written meanwhile."""
    return engine.execution_options(volym_writer=True).begin()


# PostgreSQL's CREATE ... IF NOT EXISTS is not safe against a concurrent twin (two
# processes opening a fresh store at once collide in its catalogs): schema changes take
# this advisory lock first.
SCHEMA_LOCK = 7_146_001


def lock_schema(conn: Connection) -> None:
    """Within a writing() transaction; SQLite's BEGIN IMMEDIATE already serializes."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})")


def create_all(engine: Engine, metadata: MetaData) -> None:
    with writing(engine) as conn:
        lock_schema(conn)
        metadata.create_all(conn)


_CREATED: weakref.WeakKeyDictionary[Engine, set[tuple[str, ...]]] = weakref.WeakKeyDictionary()


def create_all_once(engine: Engine, metadata: MetaData) -> None:
    """create_all, once per engine and set of tables: for what every request touches (the
    access log, the tokens), where looking at the catalog each time cost a query."""
    names = tuple(sorted(metadata.tables))
    done = _CREATED.setdefault(engine, set())
    if names not in done:
        create_all(engine, metadata)
        done.add(names)


_MADE: weakref.WeakKeyDictionary[Engine, dict[Hashable, Any]] = weakref.WeakKeyDictionary()


def once_per_engine(engine: Engine, key: Hashable, make: Callable[[], T]) -> T:
    """What `make` gives, made once per engine and key: for what describes tables (a view,
    the tokens, the access log). Described per call, the tables were new objects, and
    SQLAlchemy compiled every statement on them again (its cache knows a table by its
    identity): a tenth of a busy server's time."""
    made = _MADE.setdefault(engine, {})
    if key not in made:
        made[key] = make()
    return cast(T, made[key])


_SEEN: weakref.WeakKeyDictionary[Engine, set[str]] = weakref.WeakKeyDictionary()


def control_table_exists(engine: Engine, name: str) -> bool:
    """Whether a control table (generations, tracking, failures) exists: once seen, not
    asked again, since volym never drops one (a report asked the catalog four times)."""
    seen = _SEEN.setdefault(engine, set())
    if name in seen:
        return True
    if not inspect(engine).has_table(name):
        return False
    seen.add(name)
    return True
