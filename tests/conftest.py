"""Fixtures: every contract test runs on SQLite and on a real PostgreSQL.

PostgreSQL is found through VOLYM_TEST_POSTGRES_URL. The suite creates a database of its
own (and a schema per test) and drops it at the end. Without a server the PostgreSQL tests
are skipped and the run says so plainly; with VOLYM_REQUIRE_POSTGRES=1 (CI) they fail."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from adapters.composition import Volym, open_volym
from tests.helpers import TEST_KEY

PG_URL = os.environ.get("VOLYM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("VOLYM_REQUIRE_POSTGRES") == "1"
_pg_skipped: list[str] = []


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh database for this test session; yields its URL."""
    name = f"volym_test_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        reason = f"PostgreSQL not reachable at {PG_URL}: {str(error).strip().splitlines()[0]}"
        if REQUIRE_PG:
            pytest.fail(reason)
        _pg_skipped.append(reason)
        pytest.skip(reason)
    base, _, _ = PG_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'volym.db'}"
        return
    database = request.getfixturevalue("pg_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{database}?schema={schema}"
    finally:
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def volym(store_url: str) -> Iterator[Volym]:
    with open_volym(store_url, pseudonym_key=TEST_KEY) as opened:
        yield opened


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _pg_skipped:
        terminalreporter.write_line("")
        terminalreporter.write_line(
            f"NOTE: the PostgreSQL tests were SKIPPED ({_pg_skipped[0]}). "
            "Only SQLite was tested. Start PostgreSQL or set VOLYM_TEST_POSTGRES_URL.",
            yellow=True,
            bold=True,
        )
