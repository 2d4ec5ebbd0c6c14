"""The one composition root: reads the settings, opens the store (SQLite or PostgreSQL)
and gives it its pseudonymizer, checked against the key the store was created with.
Entry points (the command line, later HTTP) open a Volym here and hand it to the use cases
of adapters.application. Nothing connects at import time."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, Engine, MetaData, String, Table, inspect, select

from adapters.errors import UserError
from adapters.eventstore.engine import create_all, lock_schema, writing
from adapters.eventstore.store import DEFAULT_URL, Store, open_store
from adapters.feed.identity import Pseudonymizer, ShortKey
from adapters.security.access_log import AccessLog


@dataclass(frozen=True)
class Settings:
    """The deployment's settings from the environment: VOLYM_DATABASE_URL and
    VOLYM_PSEUDONYM_KEY, names in any case. Read by hand: two strings did not need a
    settings library on every command's start-up."""

    database_url: str
    pseudonym_key: str | None

    @classmethod
    def from_environment(cls) -> Settings:
        found = {name.upper(): value for name, value in os.environ.items()}
        return cls(found.get("VOLYM_DATABASE_URL", DEFAULT_URL), found.get("VOLYM_PSEUDONYM_KEY"))


@dataclass
class Volym(Store):
    """An opened store with the deployment's pseudonymizer: everything a use case needs.
    Only what accepts events needs the pseudonymizer (it can re-identify people, since
    personnummer can be tried one by one): without the key it is None."""

    pseudonymizer: Pseudonymizer | None

    def needs_pseudonymizer(self) -> Pseudonymizer:
        if self.pseudonymizer is None:
            raise UserError(
                "VOLYM_PSEUDONYM_KEY is not set: accepting events needs the deployment's "
                "pseudonym key"
            )
        return self.pseudonymizer

    def __enter__(self) -> Volym:
        return self


def open_volym(
    database_url: str | None = None,
    *,
    pseudonym_key: str | None = None,
    must_exist: bool = False,
    needs_key: bool = True,
) -> Volym:
    """`must_exist` for commands that only read: the store must be there, and nothing is
    created or written in it (adapters.eventstore.store). `needs_key` for what accepts
    events (ingest, serve); others use a key only to refuse one that is not the store's."""
    settings = Settings.from_environment()
    key = pseudonym_key or settings.pseudonym_key
    store = open_store(database_url or settings.database_url, writable=not must_exist)
    try:
        key_bytes: bytes | None = key.encode() if key else None
        if key_bytes is None and not store.is_postgres:
            key_bytes = _local_key(store.sqlite_path, create=needs_key and not must_exist)
        if key_bytes is None and needs_key:
            raise UserError(
                "VOLYM_PSEUDONYM_KEY is not set: PostgreSQL needs the deployment's "
                "pseudonym key to accept events"
            )
        pseudonymizer = None
        if key_bytes is not None:
            try:
                pseudonymizer = Pseudonymizer(key_bytes)
            except ShortKey as error:
                raise UserError(f"VOLYM_PSEUDONYM_KEY: {error}") from None
            _check_key(store.engine, pseudonymizer, record=needs_key and not must_exist)
        if not must_exist:
            # The access log is written by readers too (http.md), who may create nothing.
            create_all(store.engine, AccessLog(store.engine).metadata)
    except BaseException:
        store.close()
        raise
    return Volym(store.url, store.recorder, store.events, store.engine, pseudonymizer)


def _meta_table(metadata: MetaData) -> Table:
    return Table(
        "volym_meta",
        metadata,
        Column("name", String(64), primary_key=True),
        Column("value", String(256), nullable=False),
    )


def _check_key(engine: Engine, pseudonymizer: Pseudonymizer, *, record: bool) -> None:
    """A store keeps the fingerprint of its pseudonym key: with another key the same
    person would get another pseudonym and be counted twice. Only a writer records it."""
    metadata = MetaData()
    meta = _meta_table(metadata)
    fingerprint = pseudonymizer.fingerprint()
    query = select(meta.c.value).where(meta.c.name == "key_fingerprint")
    if not record:
        if not inspect(engine).has_table(meta.name):
            return
        with engine.connect() as conn:
            stored = conn.execute(query).scalar()
    else:
        create_all(engine, metadata)
        with writing(engine) as conn:
            lock_schema(conn)  # two processes opening a fresh store record one fingerprint
            stored = conn.execute(query).scalar()
            if stored is None:
                conn.execute(meta.insert().values(name="key_fingerprint", value=fingerprint))
                return
    if stored is not None and stored != fingerprint:
        raise UserError(
            "this store was created with another pseudonym key; set the same "
            "VOLYM_PSEUDONYM_KEY (or keep the .key file beside the SQLite database)"
        )


def _local_key(db_path: Path, *, create: bool) -> bytes | None:
    """The embedded default keeps its own key beside the database, readable by its owner;
    only a process that accepts events makes one."""
    key_path = db_path.with_name(db_path.name + ".key")
    if not key_path.exists():
        if not create:
            return None
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return key_path.read_text().strip().encode()
