"""The command line as users meet it: exit codes, one-line errors, the rejects file."""

import json
import os
import stat
import sys

import pytest

from adapters.cli import app as cli
from tests.helpers import GIRL, TEST_KEY, ended, lines, started


def run(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["volym", *args])
    monkeypatch.setenv("VOLYM_PSEUDONYM_KEY", TEST_KEY)
    with pytest.raises(SystemExit) as done:
        cli.main()
    out, err = capsys.readouterr()
    return done.value.code, out, err


def write_feed(tmp_path, *events, extra=()):
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join([*lines(*events), *extra]) + "\n", encoding="utf-8")
    return path


def test_ingest_then_report_json(store_url, tmp_path, monkeypatch, capsys):
    feed = write_feed(tmp_path, started("P1", "2023-01-10"), ended("P1", "2023-03-15"))
    code, out, _ = run(monkeypatch, capsys, "ingest", str(feed), "--db", store_url)
    assert (
        code == 0
        and "2 lines read, 2 events accepted, 0 duplicates skipped, 0 lines rejected" in out
    )
    code, out, _ = run(
        monkeypatch,
        capsys,
        "report",
        "placements",
        "--period",
        "2023-Q1",
        "--format",
        "json",
        "--db",
        store_url,
    )
    assert code == 0 and json.loads(out)["totals"][0]["care_days"] == 65


def test_rejected_lines_go_to_the_rejects_file_and_exit_is_2(
    store_url, tmp_path, monkeypatch, capsys
):
    bad = started("P2", "2023-01-10", person="201205142382")
    feed = write_feed(tmp_path, started("P1", "2023-01-10"), bad, extra=["{oops"])
    rejects = tmp_path / "rejects.jsonl"
    code, out, err = run(
        monkeypatch, capsys, "ingest", str(feed), "--rejects", str(rejects), "--db", store_url
    )
    assert code == 2 and "1 events accepted" in out and "2 lines rejected" in out
    records = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [r["line"] for r in records] == [2, 3]
    assert json.loads(records[0]["raw"]) == bad  # unchanged, ready to fix and resend
    assert records[0]["reasons"] == ["person: the check digit does not match (Luhn)"]
    assert stat.S_IMODE(os.stat(rejects).st_mode) == 0o600
    assert GIRL not in out + err and "201205142382" not in out + err


def test_several_files_go_through_one_pipeline_each_with_its_summary_and_rejects(
    store_url, tmp_path, monkeypatch, capsys
):
    # Batches of two lines: the files take several batches each, through the helper.
    monkeypatch.setattr("adapters.ingest.ingestor.FIRST_BATCH_LINES", 2)
    monkeypatch.setattr("adapters.ingest.ingestor.BATCH_LINES", 2)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a = [started("P1", "2023-01-01"), started("P2", "2023-02-01"), ended("P1", "2023-01-31")]
    first.write_text("\n".join([lines(a[0])[0], "{oops", *lines(*a[1:])]) + "\n")
    b = lines(ended("P2", "2023-02-28"), started("P3", "2023-03-01"))
    second.write_text("\n".join(["[]", *b]) + "\n")
    code, out, _ = run(monkeypatch, capsys, "ingest", str(first), str(second), "--db", store_url)
    assert code == 2
    assert (
        f"{first}: 4 lines read, 3 events accepted, 0 duplicates skipped, 1 lines rejected" in out
    )
    assert (
        f"{second}: 3 lines read, 2 events accepted, 0 duplicates skipped, 1 lines rejected" in out
    )
    for path, line in ((first, 2), (second, 1)):
        (record,) = [json.loads(r) for r in (tmp_path / f"{path.name}.rejects.jsonl").open()]
        assert (record["file"], record["line"]) == (str(path), line)
    args = ["report", "placements", "--period", "2023-Q1", "--format", "json", "--db", store_url]
    _, out, _ = run(monkeypatch, capsys, *args)
    assert json.loads(out)["totals"][0]["started"] == 3
    assert json.loads(out)["totals"][0]["ended"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "placements", "--period", "2023-Q5"], "Q5 does not exist"),
        (
            ["report", "placements", "--period", "2023", "--by", "colour"],
            "not a placements dimension",
        ),
        (
            ["report", "placements", "--period", "2023", "--where", "form=castle"],
            "not a value of form",
        ),
        (["report", "placements", "--period", "2023", "--bogus"], "No such option"),
        (["ingest", "missing.jsonl"], "no such file"),
    ],
)
def test_user_errors_are_one_line_with_exit_1(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(monkeypatch, capsys, *args)
    assert code == 1
    assert err.startswith("volym: error:") and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_unreachable_database_is_a_one_line_error(monkeypatch, capsys):
    code, _, err = run(
        monkeypatch,
        capsys,
        "report",
        "placements",
        "--period",
        "2023",
        "--db",
        "postgresql://nobody@127.0.0.1:1/none",
    )
    assert code == 1 and err.startswith("volym: error:") and len(err.strip().splitlines()) == 1


def test_table_output_uses_swedish_labels_and_number_format(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    feed = write_feed(
        tmp_path, *[started(f"P{i}", "2023-01-01", daily_cost="1234.50") for i in range(20)]
    )
    run(monkeypatch, capsys, "ingest", str(feed), "--db", db)
    code, out, _ = run(
        monkeypatch,
        capsys,
        "report",
        "placements",
        "--period",
        "2023-Q1",
        "--period",
        "2024-Q1",
        "--by",
        "form_group",
        "--db",
        db,
        "--measure",
        "care_days",
        "--measure",
        "average_placements",
    )
    assert code == 0
    assert "Institution (HVB, SiS)" in out and "Vårddygn" in out and "Antal placeringar" in out
    # 20 × 90 and 20 × 91 care days, thousands kept together by a non-breaking space
    assert "1\u00a0800" in out and "1\u00a0820" in out
    assert "20,0" in out


def test_csv_carries_plain_unrounded_numbers(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    feed = write_feed(tmp_path, started("P1", "2023-01-10"), ended("P1", "2023-03-15"))
    run(monkeypatch, capsys, "ingest", str(feed), "--db", db)
    code, out, _ = run(
        monkeypatch,
        capsys,
        "report",
        "placements",
        "--period",
        "2023-Q1",
        "--by",
        "month",
        "--format",
        "csv",
        "--db",
        db,
    )
    assert code == 0
    header, *rows = out.strip().splitlines()
    assert header.startswith("level,period,month,care_days,days,average_placements")
    assert rows[0].startswith("row,2023-Q1,2023-01,22,31,0.7096774193548387,22000.0")
    assert rows[-1].startswith("total,2023-Q1,,65,90,0.7222222222222222,65000.0")


def test_as_of_on_the_command_line_reproduces_an_earlier_report(tmp_path, monkeypatch, capsys):
    from freezegun import freeze_time

    db = f"sqlite:///{tmp_path / 'v.db'}"
    with freeze_time("2023-04-05 10:00:00"):
        run(
            monkeypatch,
            capsys,
            "ingest",
            str(write_feed(tmp_path, started("P1", "2023-01-01"))),
            "--db",
            db,
        )
    with freeze_time("2023-05-20 10:00:00"):
        late = tmp_path / "late.jsonl"
        late.write_text("\n".join(lines(ended("P1", "2023-01-31"))) + "\n")
        run(monkeypatch, capsys, "ingest", str(late), "--db", db)
    args = ["report", "placements", "--period", "2023-Q1", "--format", "json", "--db", db]
    code, out, _ = run(monkeypatch, capsys, *args, "--as-of", "2023-04-30T12:00:00")
    then = json.loads(out)
    assert code == 0 and then["totals"][0]["care_days"] == 90
    assert then["as_of"] == "2023-04-30T12:00:00+02:00"  # Swedish summer time
    _, out, _ = run(monkeypatch, capsys, *args)
    assert json.loads(out)["totals"][0]["care_days"] == 31


def test_history_shows_every_event_with_its_three_times_and_no_person(
    store_url, tmp_path, monkeypatch, capsys
):
    feed = write_feed(
        tmp_path,
        started("P1", "2023-01-10", recorded_at="2023-01-12T09:00:00+01:00"),
        ended("P1", "2023-03-15"),
        ended("P1", "2023-03-01", reason="rättelse"),
    )
    run(monkeypatch, capsys, "ingest", str(feed), "--db", store_url)
    code, out, _ = run(
        monkeypatch,
        capsys,
        "history",
        "placement",
        "lifecare-test",
        "P1",
        "--format",
        "json",
        "--db",
        store_url,
    )
    events = json.loads(out)["events"]
    assert code == 0
    assert [(e["version"], e["type"], e["occurred_on"]) for e in events] == [
        (1, "placement.started", "2023-01-10"),
        (2, "placement.ended", "2023-03-15"),
        (3, "placement.ended", "2023-03-01"),
    ]
    assert events[0]["recorded_at"] == "2023-01-12T09:00:00+01:00"
    assert events[0]["details"]["daily_cost"] == "1000.00"
    assert events[2]["details"] == {"reason": "rättelse"}
    assert all(e["stored_at"] for e in events)
    assert GIRL not in out and "person" not in out and "birth" not in out
    code, _, err = run(
        monkeypatch, capsys, "history", "placement", "lifecare-test", "NOPE", "--db", store_url
    )
    assert code == 1 and "no placement NOPE" in err


def test_reading_commands_refuse_a_store_that_does_not_exist(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "typo.db"
    for args in (
        ["report", "placements", "--period", "2023"],
        ["history", "placement", "lifecare-test", "P1"],
    ):
        code, _, err = run(monkeypatch, capsys, *args, "--db", f"sqlite:///{missing}")
        assert code == 1 and "no volym store at" in err
    assert not missing.exists()
