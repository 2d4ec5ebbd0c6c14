"""Ingestion as feed.md describes it, on both stores."""

import json

import pytest
import sqlalchemy

from adapters import application
from adapters.ingest import ingestor as ingest_module
from tests.helpers import (
    GIRL,
    MAN,
    changed,
    ended,
    ingest,
    lines,
    reported,
    started,
    total,
    voided,
)


def test_identical_resend_is_skipped_and_counted_as_duplicate(volym):
    events = [started("P1", "2023-01-01"), ended("P1", "2023-01-31")]
    first = ingest(volym, *events)
    again = ingest(volym, *events)
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (again.lines_read, again.accepted, again.duplicates, again.rejected) == (2, 0, 2, 0)
    assert total(volym, "2023-01")["care_days"] == 31


def test_resend_with_a_different_body_is_a_conflict_and_the_stored_event_stays(volym):
    first = started("P1", "2023-01-01")
    ingest(volym, first)
    result = ingest(volym, {**first, "daily_cost": "9999.00"})
    assert result.rejected == 1
    assert "different body" in result.rejections[0].reasons[0]
    assert total(volym, "2023-01")["cost"] == 31 * 1000


def test_duplicate_inside_one_file_is_recognised(volym):
    event = started("P1", "2023-01-01")
    result = ingest(volym, event, event)
    assert (result.accepted, result.duplicates) == (1, 1)


def test_events_for_an_unknown_placement_are_rejected(volym):
    result = ingest(
        volym,
        changed("NOPE", "2023-01-01", form="sis"),
        ended("NOPE", "2023-01-02"),
        voided("NOPE", "2023-01-02"),
    )
    assert result.rejected == 3
    assert all("unknown placement NOPE" in r.reasons[0] for r in result.rejections)


def test_a_started_placement_cannot_be_started_again(volym):
    result = ingest(volym, started("P1", "2023-01-01"), started("P1", "2023-02-01"))
    assert (result.accepted, result.rejected) == (1, 1)
    assert "already started" in result.rejections[0].reasons[0]
    assert result.rejections[0].line_no == 2


def test_bad_lines_lose_nothing_valid_across_batches(volym, monkeypatch):
    monkeypatch.setattr(ingest_module, "BATCH_LINES", 3)
    feed = lines(
        started("P1", "2023-01-01"),
        changed("P1", "2022-12-01", form="sis"),
        started("P2", "2023-01-01", person="201205142382"),
        ended("P1", "2023-01-31"),
        started("P3", "2023-01-01", person=MAN, target_group="vuxna_ovriga"),
    )
    feed.insert(2, "")  # blank lines are ignored
    feed.insert(3, "{broken")
    result = application.ingest_lines(volym, feed)
    assert (result.lines_read, result.accepted, result.rejected) == (6, 3, 3)
    assert [r.line_no for r in result.rejections] == [2, 4, 5]
    assert total(volym, "2023-01")["care_days"] == 31 + 31


def test_a_rejected_start_makes_its_later_events_unknown_until_resent(volym):
    bad = started("P1", "2023-01-01", form="nope")
    result = ingest(volym, bad, ended("P1", "2023-01-31"))
    assert result.rejected == 2
    fixed = ingest(volym, {**bad, "form": "hvb"}, ended("P1", "2023-01-31"))
    assert fixed.accepted == 2 and total(volym, "2023-01")["care_days"] == 31


def test_events_of_one_placement_in_separate_runs_build_on_the_stored_history(volym):
    ingest(volym, started("P1", "2023-01-01"))
    ingest(volym, changed("P1", "2023-01-11", daily_cost="2000.00"))
    result = ingest(volym, ended("P1", "2023-01-20"), changed("P1", "2023-01-25", form="sis"))
    assert result.rejected == 1  # the change lies after the corrected end
    january = total(volym, "2023-01")
    assert (january["care_days"], january["cost"]) == (20, 10 * 1000 + 10 * 2000)


def test_no_personnummer_reaches_storage(volym):
    ingest(
        volym,
        started("P1", "2023-01-01", person="20120514-2381"),
        started("P2", "2023-01-01", person="850703-9116", target_group="vuxna_missbruk"),
        started("P3", "2023-01-01", person="201205142382"),
    )  # rejected: bad checksum
    dump = _dump_every_table(volym)
    for number in (
        GIRL,
        "120514-2381",
        "1205142381",
        MAN,
        "8507039116",
        "850703-9116",
        "201205142382",
    ):
        assert number not in dump


def _dump_every_table(volym) -> str:
    inspector = sqlalchemy.inspect(volym.engine)
    texts = []
    with volym.engine.connect() as conn:
        for table in inspector.get_table_names():
            for row in conn.execute(sqlalchemy.text(f'SELECT * FROM "{table}"')):
                texts.append(json.dumps([str(v) for v in row]))
    assert any("stored_events" in t for t in inspector.get_table_names())
    return "\n".join(texts).replace("\\", "")


def test_events_and_their_keys_are_stored_in_one_transaction(volym):
    ingest(volym, started("P1", "2023-01-01"), ended("P1", "2023-01-31"))
    with volym.engine.connect() as conn:
        keys = conn.execute(sqlalchemy.text("SELECT count(*) FROM feed_event")).scalar()
        events = conn.execute(sqlalchemy.text("SELECT count(*) FROM stored_events")).scalar()
    assert keys == events == 2


def test_recorded_at_defaults_to_ingestion_time_and_is_kept_when_given(volym):
    ingest(
        volym,
        started("P1", "2023-01-01", recorded_at="2023-01-03T09:15:00+01:00"),
        ended("P1", "2023-01-31"),
    )
    history = list(volym.events.get(_key("P1")))
    assert history[0].recorded_at.isoformat() == "2023-01-03T09:15:00+01:00"
    assert history[1].recorded_at.tzinfo is not None


def _key(placement_id):
    from domain.keys import placement_key
    from tests.helpers import SOURCE

    return placement_key(SOURCE, placement_id)


def test_a_large_ingest_on_postgresql_refreshes_the_planners_statistics(volym, monkeypatch):
    # A bulk load must not wait for autovacuum (off on some servers): with no statistics
    # the idempotency lookups were planned as for an empty table.
    if not volym.is_postgres:
        pytest.skip("PostgreSQL's planner statistics")
    monkeypatch.setattr("adapters.ingest.statistics.FIRST", 2)
    events = [started("P1", "2023-01-01"), started("P2", "2023-01-02"), ended("P1", "2023-02-01")]
    assert ingest(volym, *events).accepted == 3
    with volym.engine.connect() as conn:
        analyzed = conn.exec_driver_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
            "AND schemaname = current_schema()"
        ).scalars().all()
    assert {"feed_event", "stored_events", "log_moment"} <= set(analyzed)
    assert any(name.startswith("placement_segment_v_g") for name in analyzed)
    with volym.engine.connect() as conn:
        vacuumed = conn.exec_driver_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL "
            "AND schemaname = current_schema()"
        ).scalars().all()
    # The read models' dead rows (closed versions, replaced rows) are cleared; the log's
    # tables only grow.
    assert any(name.startswith("placement_segment_v_g") for name in vacuumed)
    assert "stored_events" not in vacuumed


def test_a_table_analyzed_while_empty_is_analyzed_again_once_it_has_grown(volym, monkeypatch):
    # A stream that starts late in a feed: its tables were analyzed empty, and planned as
    # empty each batch's closing of versions scanned all the open ones (ingest fell from
    # 3 500 to 0-600 events/s at ten million events) until the whole log grew fourfold.
    if not volym.is_postgres:
        pytest.skip("PostgreSQL's planner statistics")
    from adapters.ingest.statistics import Statistics
    from adapters.projection.projector import projectors
    from adapters.streams import STREAMS

    monkeypatch.setattr("adapters.ingest.statistics.FIRST", 2)
    ingest(volym, started("P1", "2023-01-01"), started("P2", "2023-01-02"))  # analyzed at its end
    assert analyzed(volym, "investigation_case_g1") == 1  # empty then
    monkeypatch.setattr("adapters.ingest.statistics.FIRST", 10**9)  # no analysis of its own
    ingest(volym, *(reported(f"U{n}", "2023-02-01") for n in range(300)))
    monkeypatch.setattr("adapters.ingest.statistics.FIRST", 1)
    monkeypatch.setattr("adapters.ingest.statistics.MIN_PAGES", 2)
    statistics = Statistics(volym, projectors(volym, STREAMS).values())
    statistics.add(1)  # a look, in the middle of an ingest
    assert analyzed(volym, "investigation_case_g1") == 2  # grown from nothing
    assert analyzed(volym, "placement_state_g1") == 1  # not grown since


def analyzed(volym, table: str) -> int:
    with volym.engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = %(t)s "
            "AND schemaname = current_schema()",
            {"t": table},
        ).scalar_one()


def test_a_large_ingest_gives_a_store_made_before_them_the_versions_statistics(volym, monkeypatch):
    # A store made by an earlier volym has no extended statistics on its versions
    # (readmodels.versions.statistics_ddl); its next large ingest creates and builds them.
    if not volym.is_postgres:
        pytest.skip("PostgreSQL's extended statistics")
    assert ingest(volym, started("P1", "2023-01-01")).accepted == 1
    with volym.engine.begin() as conn:
        conn.exec_driver_sql("DROP STATISTICS placement_segment_v_g1_last_day_until")
    monkeypatch.setattr("adapters.ingest.statistics.FIRST", 2)
    assert ingest(volym, started("P2", "2023-01-02"), ended("P1", "2023-02-01")).accepted == 2
    with volym.engine.connect() as conn:
        built = conn.exec_driver_sql(
            "SELECT s.stxname FROM pg_statistic_ext s "
            "JOIN pg_statistic_ext_data d ON d.stxoid = s.oid "
            "WHERE s.stxnamespace = current_schema()::regnamespace"
        ).scalars().all()
    assert "placement_segment_v_g1_last_day_until" in built
