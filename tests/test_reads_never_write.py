"""Reading commands never write: they work through a PostgreSQL role that may only SELECT
(and append to the access log, which http.md asks of every report, explain and history),
leave every other table of a SQLite store as it was, and answer from a read model that is
behind with a note saying how far behind it is and what brings it up to date."""

import json
import sqlite3
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

from adapters import application
from adapters.composition import open_volym
from tests.helpers import TEST_KEY, ended, ingest, reported, started, total
from tests.test_cli import run, write_feed
from tests.test_live import store_without_projecting

READS = (
    ["report", "placements", "--period", "2023-Q1", "--format", "json"],
    ["report", "placements", "--period", "2023-Q1", "--as-of", "2030-01-01", "--format", "json"],
    ["explain", "placements", "--period", "2023-Q1", "--as-of", "2023-01-01", "--format", "json"],
    ["history", "placement", "lifecare-test", "P1", "--format", "json"],
    ["status", "--format", "json"],
    ["verify"],
)


def feed(tmp_path):
    return write_feed(tmp_path, started("P1", "2023-01-10"), ended("P1", "2023-03-15"))


@pytest.fixture
def select_only_url(pg_database):
    """A schema written by its owner, and the URL of a role that may only read it."""
    schema, role = f"t_{uuid.uuid4().hex[:12]}", f"reader_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    server = make_url(pg_database).set(username=role, password=None)
    reader = f"{server.render_as_string(hide_password=False)}?schema={schema}"
    try:
        yield f"{pg_database}?schema={schema}", reader, schema, role
    finally:
        with psycopg.connect(pg_database, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


@pytest.mark.postgres
def test_every_reading_command_works_through_a_role_that_may_only_select(
    select_only_url, pg_database, tmp_path, monkeypatch, capsys
):
    writer, reader, schema, role = select_only_url
    code, _, _ = run(monkeypatch, capsys, "ingest", str(feed(tmp_path)), "--db", writer)
    assert code in (0, None)
    with open_volym(writer, pseudonym_key=TEST_KEY) as volym:  # behind: a catch-up would write
        store_without_projecting(volym, started("P2", "2024-01-01"))
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')
        conn.execute(f'GRANT INSERT ON "{schema}".volym_access_log TO "{role}"')
    answers = {}
    for args in READS:
        code, out, err = run(monkeypatch, capsys, *args, "--db", reader)
        assert code in (0, None), (args, err)
        answers[args[0], "--as-of" in args] = out
    assert json.loads(answers["report", False])["totals"][0]["care_days"] == 22 + 28 + 15
    assert json.loads(answers["report", True])["totals"][0]["care_days"] == 22 + 28 + 15
    assert "verified" in answers["verify", False]
    # The role really may not write: the same ingest is refused.
    code, _, err = run(monkeypatch, capsys, "ingest", str(feed(tmp_path)), "--db", reader)
    assert code == 1 and "permission denied" in err


def test_reading_commands_leave_a_sqlite_store_unchanged(tmp_path, monkeypatch, capsys):
    db = tmp_path / "volym.db"
    url = f"sqlite:///{db}"
    run(monkeypatch, capsys, "ingest", str(feed(tmp_path)), "--db", url)
    with open_volym(url, pseudonym_key=TEST_KEY) as volym:  # behind: a catch-up would write
        store_without_projecting(volym, started("P2", "2024-01-01"))

    def contents():
        """Every row of every table but the access log."""
        with sqlite3.connect(db) as conn:
            tables = conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            names = [name for (name,) in tables]
            return {
                name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall())
                for name in names
                if name != "volym_access_log"
            }

    def logged():
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT count(*) FROM volym_access_log").fetchone()[0]

    before, entries = contents(), logged()
    for args in READS:
        code, _, err = run(monkeypatch, capsys, *args, "--db", url)
        assert code in (0, None), (args, err)
    assert contents() == before
    assert logged() == entries + 4  # the two reports, explain and history


def test_a_report_on_a_model_that_is_behind_answers_as_it_is_and_says_so(
    store_url, monkeypatch, capsys
):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        ingest(volym, started("P1", "2023-01-01"))
        store_without_projecting(volym, started("P2", "2023-01-01"), reported("C1", "2023-01-02"))
        assert total(volym, "2023-01")["care_days"] == 31  # P2 is not projected yet
        request = application.report_request("placements", ["2023-01"])
        freshness = application.report(volym, request).freshness
    assert freshness is not None and freshness.behind == 2
    code, out, err = run(
        monkeypatch, capsys, "report", "placements", "--period", "2023-01", "--format", "json",
        "--db", store_url,
    )  # fmt: skip
    assert code in (0, None)
    assert json.loads(out)["totals"][0]["care_days"] == 31
    assert "placements: the read model is 2 events behind the event store" in err
    assert "`volym serve` (or the next `volym ingest`)" in err
    assert len(err.strip().splitlines()) == 1


def test_a_current_model_adds_no_note(store_url, monkeypatch, capsys):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        ingest(volym, started("P1", "2023-01-01"))
    code, _, err = run(
        monkeypatch, capsys, "report", "placements", "--period", "2023-01", "--db", store_url
    )
    assert code in (0, None) and err == ""


def test_a_model_built_by_another_code_version_answers_and_names_the_rebuild(volym):
    from tests.test_live import Newer, serve_started

    ingest(volym, started("P1", "2023-01-01"))
    serve_started(volym, Newer())  # as if a newer volym had rebuilt it
    answer = application.report(volym, application.report_request("placements", ["2023-01"]))
    assert answer.report["totals"][0]["care_days"] == 31
    note = answer.freshness.note() if answer.freshness else ""
    assert "built by another volym version" in note and "`volym rebuild`" in note


def test_a_report_on_a_store_nothing_was_projected_in_yet_is_empty_not_an_error(volym):
    store_without_projecting(volym, started("P1", "2023-01-01"))
    answer = application.report(volym, application.report_request("placements", ["2023-01"]))
    assert answer.report["totals"][0]["care_days"] == 0
    assert answer.freshness is not None and answer.freshness.behind == 1
