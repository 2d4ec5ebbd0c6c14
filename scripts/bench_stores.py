"""Fresh stores for the benchmarks, removed afterwards: a SQLite file in a directory, or a
PostgreSQL database on the server the tests use (VOLYM_TEST_POSTGRES_URL). One place, so
that every benchmark leaves nothing behind the same way."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

PG_URL = os.environ.get("VOLYM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def database_url(name: str) -> str:
    """The URL of database `name` on the benchmarks' server."""
    return f"{PG_URL.rpartition('/')[0]}/{name}"


@contextmanager
def pg_database(*, keep: bool = False) -> Iterator[str]:
    """A new database's name; dropped afterwards (even if a client is still connected),
    unless `keep`: then its name says so."""
    name = f"volym_bench_{'kept_' if keep else ''}{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    if keep:
        yield name
        return
    try:
        yield name
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def sqlite_file(directory: Path, prefix: str = "volym") -> Iterator[Path]:
    """A new SQLite file's path in `directory`; the file and its companions (the log, the
    rebuild locks) are removed afterwards."""
    path = directory / f"{prefix}-{uuid.uuid4().hex[:10]}.db"
    try:
        yield path
    finally:
        for companion in directory.glob(path.name + "*"):
            companion.unlink()


@contextmanager
def fresh_store(
    kind: str,
    directory: Path,
    *,
    keep: bool = False,
    on_kept: Callable[[str], None] | None = None,
) -> Iterator[str]:
    """A fresh volym store's URL, `kind` sqlite or postgresql. `keep` (PostgreSQL): the
    database stays, and `on_kept` is told its URL."""
    if kind == "sqlite":
        with sqlite_file(directory) as path:
            yield f"sqlite:///{path}"
        return
    with pg_database(keep=keep) as name:
        url = database_url(name)
        if keep and on_kept is not None:
            on_kept(url)
        yield url
