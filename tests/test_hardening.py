"""No line can break a store: each reproduction of the hardening issue, from the feed.md
example line, gives a clear answer and leaves the store working, on both stores."""

import json
import os
import stat

import pytest

from adapters import application
from tests.helpers import (
    GIRL,
    MAN,
    household,
    household_total,
    ingest,
    lines,
    paid,
    rebuild,
    reported,
    started,
    total,
)
from tests.test_cli import run, write_feed

FULLWIDTH_GIRL = "".join(chr(0xFF10 + int(d)) for d in GIRL)  # "２０１２０５１４２３８１"


def the_store_works(volym):
    for name, by in (("placements", "form"), ("investigations", "route"), ("households", "kind")):
        application.report(volym, application.report_request(name, ["2023"], [by]))
    assert application.verify(volym) == []
    rebuild(volym)


def rejected(volym, event):
    result = ingest(volym, event)
    assert result.accepted == 0 and result.rejected == 1, result
    return " ".join(result.rejections[0].reasons)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"accompanying_children": 9223372036854775808}, "accompanying_children"),
        ({"accompanying_children": 31}, "accompanying_children"),
        ({"daily_cost": "99999999999999999999.00"}, "daily_cost: must be below 1 000 000 SEK"),
        ({"daily_cost": 10**30}, "daily_cost"),
        ({"daily_cost": "１２.００"}, "daily_cost"),
        ({"provider": "a\u0000b"}, "provider: must not contain control characters"),
        ({"event_id": "e\u0000"}, "event_id: must not contain control characters"),
        ({"person": FULLWIDTH_GIRL}, "person: not a personnummer"),
        ({"occurred_on": "0023-01-10"}, "occurred_on: must lie in the years 1900-2100"),
        ({"recorded_at": "2999-01-01T00:00:00+01:00"}, "recorded_at: must lie in the years"),
    ],
)
def test_a_value_no_store_can_hold_is_rejected_at_the_door(volym, fields, reason):
    assert reason in rejected(volym, started("P1", "2023-01-10", **fields))
    ingest(volym, started("P1", "2023-01-10"))  # and the store goes on
    assert total(volym, "2023-01")["care_days"] == 22
    the_store_works(volym)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"person": "191205142381", "target_group": "barn_unga"}, "barn_unga is for persons"),
        ({"person": GIRL, "target_group": "vuxna_missbruk"}, "18 or older"),
        ({"person": "20150916-0006"}, "individual number 000"),
        ({"person": "202405142387", "occurred_on": "2023-01-10"}, "after occurred_on"),
        ({"provider": f"Familjehem hos {GIRL}"}, "provider: looks like a personnummer"),
        ({"provider": "Jourhem 120514-2381 t.o.m. maj"}, "provider: looks like a personnummer"),
    ],
)
def test_the_contracts_rules_on_persons_and_free_text(volym, fields, reason):
    reasons = rejected(volym, started("P1", "2023-01-10", **fields))
    assert reason in reasons
    assert GIRL not in reasons and "2381" not in reasons  # the number is never echoed


def test_a_control_character_in_an_aggregates_id_is_rejected(volym):
    assert "placement_id: must not contain" in rejected(volym, started("P\u00001", "2023-01-10"))
    the_store_works(volym)


def test_a_reason_with_a_personnummer_is_rejected_too(volym):
    ingest(volym, started("P1", "2023-01-10"))
    from tests.helpers import ended

    reasons = rejected(volym, ended("P1", "2023-02-01", reason=f"flyttat, se {MAN}"))
    assert "reason: looks like a personnummer" in reasons


def test_a_payment_id_is_unique_within_its_source_not_only_its_household(volym):
    ingest(volym, household("H1", "2023-01-01"), household("H2", "2023-01-01", applicant=MAN))
    ingest(volym, paid("H1", "2023-01-25", "PAY1", "2023-01", "1000"))
    reasons = rejected(volym, paid("H2", "2023-01-25", "PAY1", "2023-01", "1000"))
    assert "payment_id: PAY1 from lifecare-test is already used" in reasons
    result = ingest(  # and within one batch
        volym,
        paid("H1", "2023-01-26", "PAY2", "2023-01", "500"),
        paid("H2", "2023-01-26", "PAY2", "2023-01", "500"),
    )
    assert (result.accepted, result.rejected) == (1, 1)
    assert household_total(volym, "2023-01")["amount"] == 1500
    the_store_works(volym)


def test_a_payment_id_may_repeat_in_another_source(volym):
    ingest(volym, household("H1", "2023-01-01"), paid("H1", "2023-01-25", "PAY1", "2023-01", "10"))
    other = {"source": "treserva-test"}
    result = ingest(
        volym,
        household("H1", "2023-01-01", **other),
        paid("H1", "2023-01-25", "PAY1", "2023-01", "10", **other),
    )
    assert result.accepted == 2


def test_a_windows_byte_order_mark_is_not_part_of_the_first_line(volym):
    first, second = lines(started("P1", "2023-01-10"), reported("C1", "2023-01-02"))
    result = application.ingest_lines(volym, [b"\xef\xbb\xbf" + first.encode(), second])
    assert (result.accepted, result.rejected) == (2, 0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "9999"], "period '9999': volym counts the years 1900-2100"),
        (["--period", "0000"], "volym counts the years"),
        (["--period", "2023", "--output", "no/such/folder/r.csv"], "folder no/such/folder does"),
    ],
)
def test_report_mistakes_are_one_line(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'v.db'}"
    feed = write_feed(tmp_path, started("P1", "2023-01-10"))
    run(monkeypatch, capsys, "ingest", str(feed), "--db", db)
    code, _, err = run(monkeypatch, capsys, "report", "placements", *args, "--db", db)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("schema", ["a b", "x,public", "o'brien", "Caps"])
def test_a_schema_that_is_no_plain_identifier_is_a_one_line_error(monkeypatch, capsys, schema):
    url = f"postgresql://postgres@127.0.0.1:1/nowhere?schema={schema}"
    code, _, err = run(monkeypatch, capsys, "status", "--db", url)
    assert code == 1 and "a schema name is 1-63 lowercase letters" in err


def test_a_short_key_says_how_to_make_a_good_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["volym"])
    feed = write_feed(tmp_path, started("P1", "2023-01-10"))
    monkeypatch.setenv("VOLYM_PSEUDONYM_KEY", "short")
    from adapters.cli import app as cli

    monkeypatch.setattr("sys.argv", ["volym", "ingest", str(feed), "--db", f"sqlite:///{tmp_path}/k.db"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    err = capsys.readouterr().err
    assert done.value.code == 1
    assert "at least 16 bytes" in err and "secrets.token_hex(32)" in err


def test_ingest_reads_standard_input_and_refuses_a_folder(tmp_path, monkeypatch, capsys):
    import io
    import sys

    db = f"sqlite:///{tmp_path / 'v.db'}"
    monkeypatch.chdir(tmp_path)
    data = "\n".join(lines(started("P1", "2023-01-10"), "{broken")) + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    code, out, _ = run(monkeypatch, capsys, "ingest", "-", "--db", db)
    assert code == 2 and "-: 2 lines read, 1 events accepted" in out
    assert (tmp_path / "stdin.rejects.jsonl").exists()
    code, _, err = run(monkeypatch, capsys, "ingest", str(tmp_path), "--db", db)
    assert code == 1 and "is a folder" in err


def test_each_run_replaces_the_rejects_file_it_writes(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    feed = write_feed(tmp_path, started("P1", "2023-01-10"), extra=["{broken", "{also"])
    rejects = tmp_path / "feed.jsonl.rejects.jsonl"
    for _ in range(2):
        run(monkeypatch, capsys, "ingest", str(feed), "--db", db)
        assert len(rejects.read_text().splitlines()) == 2
    feed.write_text("\n".join(lines(started("P2", "2023-01-10"))) + "\n")
    run(monkeypatch, capsys, "ingest", str(feed), "--db", db)
    assert not rejects.exists()  # this run had no lines to fix


def test_the_sqlite_store_its_log_and_key_are_owner_only(tmp_path):
    from adapters.composition import open_volym
    from tests.helpers import TEST_KEY

    db = tmp_path / "v.db"
    with open_volym(f"sqlite:///{db}") as volym:  # the embedded default keeps its own key
        ingest(volym, started("P1", "2023-01-10"))
        wal = tmp_path / "v.db-wal"
        files = [db, tmp_path / "v.db.key"] + ([wal] if wal.exists() else [])
        locks = sorted(tmp_path.glob("v.db.*.rebuild-lock"))
        assert len(locks) == 3  # one per projection, taken when the store was brought current
        for path in files + locks:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert TEST_KEY  # the other stores of the suite get their key from the environment


def test_an_older_world_readable_store_is_tightened_when_opened(tmp_path):
    from adapters.composition import open_volym
    from tests.helpers import TEST_KEY

    db = tmp_path / "old.db"
    with open_volym(f"sqlite:///{db}", pseudonym_key=TEST_KEY) as volym:
        ingest(volym, started("P1", "2023-01-10"))
    db.chmod(0o644)
    lock = tmp_path / "old.db.placements.rebuild-lock"
    lock.chmod(0o644)
    with open_volym(f"sqlite:///{db}", pseudonym_key=TEST_KEY) as volym:
        ingest(volym, started("P2", "2023-01-10"))
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(lock).st_mode) == 0o600


def test_rejected_lines_keep_their_reasons_in_one_json_line_each(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    feed = write_feed(tmp_path, started("P1", "2023-01-10", provider="a\u0000b\nc"))
    run(monkeypatch, capsys, "ingest", str(feed), "--db", db)
    (line,) = (tmp_path / "feed.jsonl.rejects.jsonl").read_text().splitlines()
    assert "control characters" in " ".join(json.loads(line)["reasons"])
