"""The one composition root: reads settings, decides SQLite or PostgreSQL, and wires the
event store, the read models and the pseudonymizer. Nothing connects at import time."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import EventStore
from eventsourcing.postgres import PostgresDatastore
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Column, Engine, MetaData, String, Table, create_engine, event, select
from sqlalchemy.engine import URL, make_url

from adapters.errors import UserError
from adapters.eventstore.engine import (
    SCHEMA_LOCK,
    WRITE_WAIT,
    create_all,
    lock_schema,
    sqlite_begin,
    sqlite_pragmas,
    writing,
)
from adapters.eventstore.recorders import (
    EventRecorder,
    PostgresEventRecorder,
    SQLiteEventRecorder,
    make_event_store,
    sqlite_datastore,
)
from adapters.feed.identity import Pseudonymizer

DEFAULT_URL = "sqlite:///volym.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VOLYM_")

    database_url: str = DEFAULT_URL
    pseudonym_key: str | None = None


@dataclass
class Volym:
    """Everything a command needs, opened on one database."""

    url: URL
    recorder: EventRecorder
    events: EventStore[UUID]
    engine: Engine
    pseudonymizer: Pseudonymizer

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def close(self) -> None:
        self.engine.dispose()
        self.recorder.datastore.close()

    def __enter__(self) -> Volym:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_volym(
    database_url: str | None = None,
    *,
    pseudonym_key: str | None = None,
    must_exist: bool = False,
) -> Volym:
    """`must_exist` for commands that only read: a mistyped SQLite path must not become a
    new, empty store whose reports are all zeros."""
    settings = Settings()
    url = _parse_url(database_url or settings.database_url)
    key = pseudonym_key or settings.pseudonym_key
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "volym.db")
        if must_exist and not path.is_file():
            raise UserError(f"no volym store at {path} (ingest a feed first, or check --db)")
        path.parent.mkdir(parents=True, exist_ok=True)
        recorder: EventRecorder = SQLiteEventRecorder(sqlite_datastore(str(path)))
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": WRITE_WAIT})
        event.listen(engine, "connect", sqlite_pragmas)
        event.listen(engine, "begin", sqlite_begin)
        key_bytes = key.encode() if key else _local_key(path)
    else:
        if not key:
            raise UserError(
                "VOLYM_PSEUDONYM_KEY is not set: PostgreSQL needs the deployment's pseudonym key"
            )
        key_bytes = key.encode()
        schema = url.query.get("schema")
        schema = schema if isinstance(schema, str) else None
        recorder = PostgresEventRecorder(_pg_datastore(url, schema))
        engine = _pg_engine(url, schema)
    try:
        _create_event_tables(recorder, url)
    except Exception as error:
        recorder.datastore.close()
        engine.dispose()
        raise UserError(
            f"cannot open the event store at {_safe(url)}: {_first_line(error)}"
        ) from None
    pseudonymizer = Pseudonymizer(key_bytes)
    try:
        _check_key(engine, pseudonymizer)
    except UserError:
        recorder.datastore.close()
        engine.dispose()
        raise
    return Volym(url, recorder, make_event_store(recorder), engine, pseudonymizer)


def _check_key(engine: Engine, pseudonymizer: Pseudonymizer) -> None:
    """A store keeps the fingerprint of its pseudonym key: with another key the same
    person would get another pseudonym and be counted twice."""
    metadata = MetaData()
    meta = Table(
        "volym_meta",
        metadata,
        Column("name", String(64), primary_key=True),
        Column("value", String(256), nullable=False),
    )
    create_all(engine, metadata)
    fingerprint = pseudonymizer.fingerprint()
    with writing(engine) as conn:
        lock_schema(conn)  # two processes opening a fresh store record one fingerprint
        stored = conn.execute(select(meta.c.value).where(meta.c.name == "key_fingerprint")).scalar()
        if stored is None:
            conn.execute(meta.insert().values(name="key_fingerprint", value=fingerprint))
        elif stored != fingerprint:
            raise UserError(
                "this store was created with another pseudonym key; set the same "
                "VOLYM_PSEUDONYM_KEY (or keep the .key file beside the SQLite database)"
            )


def _create_event_tables(recorder: EventRecorder, url: URL) -> None:
    if not isinstance(recorder, PostgresEventRecorder):
        recorder.create_table()  # SQLite serializes schema changes itself
        return
    # A connection of its own: the library's pool must not be asked for a second
    # connection while this one is held.
    with pg_connect(url) as conn:
        conn.execute(f"SELECT pg_advisory_lock({SCHEMA_LOCK})")
        try:
            recorder.create_table()
        finally:
            conn.execute(f"SELECT pg_advisory_unlock({SCHEMA_LOCK})")


def _parse_url(text: str) -> URL:
    try:
        url = make_url(text)
    except Exception:
        raise UserError(
            f"database URL '{text}' is not sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
        ) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise UserError(f"database URL must start with sqlite:/// or postgresql://, not {text!r}")
    return url


def _pg_datastore(url: URL, schema: str | None) -> PostgresDatastore:
    # The pool retries for its whole open timeout; a direct probe fails fast and says why.
    try:
        pg_connect(url).close()
    except psycopg.Error as error:
        raise UserError(f"cannot connect to {_safe(url)}: {_first_line(error)}") from None
    return PostgresDatastore(**_pg_params(url), pool_size=2, max_overflow=4, schema=schema or "")


def pg_connect(url: URL) -> psycopg.Connection[Any]:
    return psycopg.connect(**_pg_params(url), connect_timeout=5, autocommit=True)


def _pg_params(url: URL) -> dict[str, Any]:
    return {
        "dbname": url.database or "postgres",
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password or "",
    }


def _pg_engine(url: URL, schema: str | None) -> Engine:
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    plain = url.set(drivername="postgresql+psycopg").difference_update_query(["schema"])
    return create_engine(plain, connect_args=connect_args, pool_pre_ping=True)


def _local_key(db_path: Path) -> bytes:
    """The embedded default keeps its own key beside the database, readable by its owner."""
    key_path = db_path.with_name(db_path.name + ".key")
    if not key_path.exists():
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_path.read_text().strip().encode()


def _safe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
