"""Rebuild and audit replay, on both stores."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import inspect

from adapters.composition import open_volym
from adapters.errors import UserError
from adapters.projection import rebuild_share
from adapters.projection.rebuild_share import ShareProcess
from adapters.streams import HOUSEHOLDS, PLACEMENTS
from adapters.streams.placements import Placements
from tests.helpers import (
    MAN,
    TEST_KEY,
    changed,
    ended,
    household,
    ingest,
    live_view,
    paid,
    rebuild,
    report,
    report_of,
    started,
    voided,
)


def history(volym):
    ingest(
        volym,
        started("P1", "2023-01-10"),
        changed("P1", "2023-02-01", form="familjehem"),
        ended("P1", "2023-03-15"),
        started(
            "P2",
            "2023-02-01",
            person=MAN,
            target_group="vuxna_missbruk",
            form="sis",
            legal_basis="lvm",
        ),
        started("P3", "2023-01-01"),
        voided("P3", "2023-01-01"),
    )


def test_rebuild_gives_identical_figures(volym):
    history(volym)
    before = report(volym, "2023-Q1", "2023-01..2023-08", by=("form", "month"))
    rebuild(volym)
    assert report(volym, "2023-Q1", "2023-01..2023-08", by=("form", "month")) == before


def test_a_rebuild_killed_midway_leaves_the_live_model_and_the_next_rebuild_is_right(
    volym, monkeypatch
):
    history(volym)
    before = report(volym, "2023-Q1", by=("form",))
    monkeypatch.setattr(rebuild_share, "READ_BATCH", 2)
    monkeypatch.setattr(rebuild_share, "RECORD_LIMIT", 0)  # written out after each batch
    calls = {"n": 0}

    class Mortal(Placements):
        def save(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt("killed")
            return super().save(*args, **kwargs)

    with pytest.raises(KeyboardInterrupt):
        rebuild(volym, Mortal())
    assert report(volym, "2023-Q1", by=("form",)) == before
    view = rebuild(volym)
    assert view.generation == 2  # the half-built generation 2 was dropped and built again
    assert live_view(volym).generation == 2
    assert report(volym, "2023-Q1", by=("form",)) == before


def test_as_of_reproduces_the_figures_known_at_that_moment(volym):
    with freeze_time("2023-04-05 10:00:00"):
        ingest(volym, started("P1", "2023-01-01"), ended("P1", "2023-03-31"))
    with freeze_time("2023-05-20 10:00:00"):  # late registration: an end-date correction
        ingest(
            volym,
            ended("P1", "2023-02-28"),
            started("P2", "2023-03-01", person=MAN, target_group="vuxna_ovriga"),
        )
    then = report_of("placements", volym, "2023-Q1", as_of=datetime(2023, 4, 30, tzinfo=UTC))
    assert then["totals"][0]["care_days"] == 90
    assert then["as_of"] == "2023-04-30T00:00:00+00:00"
    assert report(volym, "2023-Q1")["totals"][0]["care_days"] == 59 + 31


def test_a_rebuilt_generation_has_the_indexes_of_a_first_one(volym):
    history(volym)
    first = indexes(volym, live_view(volym))
    live = {
        "ix_placement_segment_first": "first_day",
        "ix_placement_segment_last": "last_day,first_day",  # also finds the open ones
    }
    for name, columns in live.items():
        assert first[name] == columns
        # The versions, for as-of reports: the first column, until which position, the
        # others, from which position (the open ones at a moment: one range of the index).
        lead, *others = columns.split(",")
        until = f"coalesce(valid_to,{2**63 - 1})"
        versions = first[name.replace("segment_", "segment_v_")]
        assert versions == ",".join([lead, until, *others, "valid_from"])
    assert len(first) == 4
    rebuilt = rebuild(volym)  # indexes made after filling
    assert rebuilt.generation == 2
    assert indexes(volym, rebuilt) == first


def indexes(volym, view) -> dict[str, str]:
    """Each index of the view's tables, named without its generation: what it holds, as
    the database's catalog says (SQLAlchemy cannot read back an index on an expression
    from SQLite)."""
    if volym.is_postgres:
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
    else:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
    found = {}
    with volym.engine.connect() as conn:
        for table in view.metadata.sorted_tables:
            for name, definition in conn.exec_driver_sql(query, (table.name,)):
                if definition is None or name.endswith("_pkey"):
                    continue  # the primary key's
                held = definition[definition.index("(", definition.index(" ON ")) + 1 : -1]
                for noise in (" ", '"', "'", "::bigint"):
                    held = held.replace(noise, "")
                found[name.replace(f"_g{view.generation}", "")] = held.lower()
    return found


def test_a_rebuilt_generation_is_analyzed_on_postgresql(volym):
    # Autovacuum may be off, or not come by for a while: the rebuild analyzes what it filled.
    if not volym.is_postgres:
        pytest.skip("SQLite plans without statistics")
    history(volym)
    rebuilt = rebuild(volym)
    with volym.engine.connect() as conn:
        columns_with_statistics = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() "
            "AND tablename = %(name)s",
            {"name": rebuilt.tables.segment.name},
        ).scalar_one()
    assert columns_with_statistics > 0  # only ANALYZE makes them


def test_read_model_connections_may_sort_in_memory_on_postgresql(volym):
    # PostgreSQL's default of 4 MB made a household report's sorts external merges.
    if not volym.is_postgres:
        pytest.skip("PostgreSQL's work_mem")
    with volym.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW work_mem").scalar_one() == "64MB"


def test_read_model_statements_are_not_jit_compiled_on_postgresql(volym):
    # Compiling took longer than it saved on a report's statements at millions of events.
    if not volym.is_postgres:
        pytest.skip("PostgreSQL's JIT")
    with volym.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"


def test_the_versions_open_ends_have_statistics_with_the_positions_on_postgresql(volym):
    # Without them a placements quarter as of a moment was planned for 16 480 rows where
    # 2 407 were current: the planner took open ends and current versions as independent.
    if not volym.is_postgres:
        pytest.skip("SQLite has no extended statistics")
    history(volym)
    first = live_view(volym)
    assert statistics_of(volym, first) == [("placement_segment_v_g1_last_day_until", False)]
    rebuilt = rebuild(volym)  # analyzed: the statistics are built
    assert statistics_of(volym, rebuilt) == [("placement_segment_v_g2_last_day_until", True)]


def statistics_of(volym, view) -> list[tuple[str, bool]]:
    """The extended statistics of the view's placement versions, and whether built."""
    with volym.engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.exec_driver_sql(
                "SELECT s.stxname, d.stxdmcv IS NOT NULL FROM pg_statistic_ext s "
                "JOIN pg_class c ON c.oid = s.stxrelid "
                "LEFT JOIN pg_statistic_ext_data d ON d.stxoid = s.oid "
                "WHERE c.relname = %(name)s",
                {"name": view.histories[0].table.name},
            )
        ]


class Unopenable(Placements):
    """A projection whose tables cannot be opened: the second process fails at start."""

    def view(self, engine, generation):
        raise RuntimeError("no tables for you")


def test_a_second_rebuild_process_that_fails_is_a_clear_error(volym):
    view = PLACEMENTS.view(volym.engine, 9)
    second = ShareProcess(volym, [(Unopenable(), view, "x")], 0, (9, 16))
    try:
        second.tables_ready()
        with pytest.raises(UserError, match="second rebuild process stopped unexpectedly"):
            second.join(lambda n: None)
    finally:
        second.close()


def test_a_second_rebuild_process_ends_when_its_rebuild_is_killed_outright(store_url):
    with open_volym(store_url, pseudonym_key=TEST_KEY) as volym:
        history(volym)  # events to fold, so that it comes to wait for the tables
    parent = subprocess.run(
        [sys.executable, "-m", "tests.orphan_rebuild_parent", store_url],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=60,
    )
    assert parent.returncode == -signal.SIGKILL
    child = int(parent.stdout.split()[0])
    deadline = time.monotonic() + 20
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has ended
        return stat.read().split(") ")[1][0] != "Z"


def test_sqlite_connections_copy_the_log_into_the_database_in_large_steps(volym):
    # SQLite's default (1 000 pages) made a large ingest's commits checkpoint again and
    # again; the event store's connections and the read models' must agree.
    if volym.is_postgres:
        pytest.skip("SQLite's write-ahead log")
    with volym.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 10_000
    with volym.recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 10_000


def test_a_rebuild_drops_the_tables_an_earlier_volym_kept_in_the_old_generation(volym):
    ingest(volym, household("H1", "2023-01-01"), paid("H1", "2023-01-25", "B1", "2023-01", "100"))
    old = live_view(volym, HOUSEHOLDS).generation
    with volym.engine.begin() as conn:  # as PROJECTION_VERSION 4 kept them
        for name in ("household_era", "household_era_v", "household_payment_v"):
            conn.exec_driver_sql(f"CREATE TABLE {name}_g{old} (household_key VARCHAR(32))")
    rebuild(volym, HOUSEHOLDS)
    tables = inspect(volym.engine).get_table_names()
    left = [t for t in tables if t.startswith("household_") and t.endswith(f"_g{old}")]
    assert left == []
