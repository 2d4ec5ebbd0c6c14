"""`volym report investigations` as users meet it: JSON, CSV, Swedish tables, --as-of."""

import json

from freezegun import freeze_time

from tests.helpers import MAN, assessed, closed, opened, reported
from tests.test_cli import run, write_feed


def cases():
    return [
        reported("C1", "2022-02-01", reporter="skola"),
        assessed("C1", "2022-02-10"),
        opened("C1", "2022-02-11"),
        closed("C1", "2022-07-01", outcome="insats"),  # 140 days, over four months
        reported("C2", "2023-02-01", person=MAN, target_group="vuxna_missbruk", route="ansokan"),
        assessed("C2", "2023-02-28"),  # 27 days: late
        opened("C2", "2023-03-01"),
        closed("C2", "2023-03-31", outcome="ingen_insats"),  # 30 days
    ]


def report(monkeypatch, capsys, db, *args):
    return run(monkeypatch, capsys, "report", "investigations", *args, "--db", db)


def test_json_report_has_every_measure_in_every_row(store_url, tmp_path, monkeypatch, capsys):
    run(monkeypatch, capsys, "ingest", str(write_feed(tmp_path, *cases())), "--db", store_url)
    code, out, _ = report(
        monkeypatch,
        capsys,
        store_url,
        "--period",
        "2023-Q1",
        "--by",
        "target_group",
        "--format",
        "json",
    )
    result = json.loads(out)
    assert code == 0 and result["report"] == "investigations"
    (row,) = result["rows"]
    assert row["target_group"] == "vuxna_missbruk"
    assert (row["reported"], row["assessed"], row["assessed_within_14_days_share"]) == (1, 1, 0.0)
    assert (row["closed"], row["median_duration_days"], row["closed_over_4_months"]) == (1, 30, 0)
    assert set(result["totals"][0]) == {"period", *row} - {"target_group"}


def test_csv_leaves_undefined_measures_empty(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    run(monkeypatch, capsys, "ingest", str(write_feed(tmp_path, *cases())), "--db", db)
    code, out, _ = report(
        monkeypatch, capsys, db, "--period", "2022", "--by", "outcome", "--format", "csv"
    )
    header, row, total = out.strip().splitlines()
    assert code == 0 and header.startswith("level,period,outcome,reported,persons_reported")
    assert row == "row,2022,insats,,,,,,,,1,1,140,1,1.0,"
    assert total.startswith("total,2022,,1,1,1,1,1.0,1,1,1,1,140,1,1.0,0")


def test_tables_compare_periods_side_by_side_in_swedish(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    run(monkeypatch, capsys, "ingest", str(write_feed(tmp_path, *cases())), "--db", db)
    code, out, _ = report(
        monkeypatch,
        capsys,
        db,
        "--period",
        "2022",
        "--period",
        "2023",
        "--by",
        "target_group",
        "--measure",
        "reported",
        "--measure",
        "closed_over_4_months_share",
    )
    assert code == 0
    assert "Inledda aktualiseringar" in out and "Andel över 4 månader, %" in out
    assert "Barn och unga 0–20 år" in out and "Vuxna, missbruk" in out
    assert "100,0" in out and "0,0" in out


def test_as_of_gives_what_was_known_then(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    first, late = cases()[:3], cases()[3:4]
    with freeze_time("2022-03-01 12:00:00"):
        run(monkeypatch, capsys, "ingest", str(write_feed(tmp_path, *first)), "--db", db)
    with freeze_time("2022-08-15 12:00:00"):
        run(monkeypatch, capsys, "ingest", str(write_feed(tmp_path, *late)), "--db", db)
    args = ("--period", "2022", "--format", "json")
    _, now, _ = report(monkeypatch, capsys, db, *args)
    _, then, _ = report(monkeypatch, capsys, db, *args, "--as-of", "2022-08-01T00:00:00")
    assert json.loads(now)["totals"][0]["closed"] == 1
    assert json.loads(then)["totals"][0]["closed"] == 0
    assert json.loads(then)["totals"][0]["ongoing_on_last_day"] == 1


def test_history_of_a_case_shows_its_steps_and_no_person(store_url, tmp_path, monkeypatch, capsys):
    run(monkeypatch, capsys, "ingest", str(write_feed(tmp_path, *cases())), "--db", store_url)
    code, out, _ = run(
        monkeypatch,
        capsys,
        "history",
        "investigation",
        "lifecare-test",
        "C1",
        "--format",
        "json",
        "--db",
        store_url,
    )
    events = json.loads(out)["events"]
    assert code == 0
    assert [(e["type"], e["occurred_on"]) for e in events] == [
        ("investigation.reported", "2022-02-01"),
        ("investigation.assessed", "2022-02-10"),
        ("investigation.opened", "2022-02-11"),
        ("investigation.closed", "2022-07-01"),
    ]
    assert events[0]["details"] == {
        "target_group": "barn_unga",
        "route": "anmalan",
        "reporter": "skola",
    }
    assert events[3]["details"] == {"outcome": "insats"}
    assert "person" not in out and "birth" not in out and "kvinna" not in out
