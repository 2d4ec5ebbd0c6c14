"""SQLAlchemy engine settings shared by the read models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front (see writing()); readers take a snapshot.
    immediate = conn.get_execution_options().get("volym_writer", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writing(engine: Engine) -> Any:
    """A transaction that will write: on SQLite it waits for the write lock at its start
    rather than failing later when another process has written meanwhile."""
    return engine.execution_options(volym_writer=True).begin()
