"""`volym report households` and `volym history household` as users meet them."""

import json

from tests.helpers import WOMAN, composition, household, paid, reversal
from tests.test_cli import run, write_feed


def events():
    return [
        household("H1", "2023-01-10", co_applicant=WOMAN, children=2, newly_arrived=True),
        paid("H1", "2023-01-25", "B1", "2023-01", "12000"),
        paid("H1", "2023-02-24", "B2", "2023-02", "12000"),
        paid("H1", "2023-02-27", "B3", "2023-02", "1500", kind="ovrigt"),
        reversal("H1", "2023-03-15", "B2", amount="2000"),
        composition("H1", "2023-03-01", co_applicant=None, children=3),
    ]


def report(monkeypatch, capsys, db, *args):
    return run(monkeypatch, capsys, "report", "households", *args, "--db", db)


def test_json_report_by_kind(store_url, tmp_path, monkeypatch, capsys):
    run(monkeypatch, capsys, "ingest", str(write_feed(tmp_path, *events())), "--db", store_url)
    code, out, _ = report(
        monkeypatch, capsys, store_url, "--period", "2023-Q1", "--by", "kind", "--format", "json"
    )
    result = json.loads(out)
    assert code == 0
    rows = {r["kind"]: r for r in result["rows"]}
    assert (rows["forsorjningsstod"]["household_months"], rows["forsorjningsstod"]["amount"]) == (
        2,
        22000.0,
    )
    assert rows["ovrigt"]["amount"] == 1500.0
    total = result["totals"][0]
    assert (total["household_months"], total["amount"], total["persons"]) == (2, 23500.0, 2)
    assert total["cost_per_household"] == 23500 / (2 / 3)
    assert total["long_term_households"] is None


def test_a_period_not_of_whole_months_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    run(monkeypatch, capsys, "ingest", str(write_feed(tmp_path, *events())), "--db", db)
    code, _, err = report(monkeypatch, capsys, db, "--period", "2023-01-10..2023-02-09")
    assert code == 1 and "whole months" in err and len(err.strip().splitlines()) == 1


def test_table_shows_swedish_labels(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'v.db'}"
    run(monkeypatch, capsys, "ingest", str(write_feed(tmp_path, *events())), "--db", db)
    chosen = ("--measure", "households_avg_per_month", "--measure", "amount")
    code, out, _ = report(
        monkeypatch, capsys, db, "--period", "2023", "--by", "newly_arrived", *chosen
    )
    assert code == 0
    assert "Ekonomiskt bistånd" in out and "Hushåll per månad" in out
    assert "Nyanlända (etableringen)" in out and "Utbetalt netto, kr" in out
    assert "23\u00a0500" in out and "0,2" in out  # 2 household-months / 12


def test_history_of_a_household_shows_payments_and_no_person(
    store_url, tmp_path, monkeypatch, capsys
):
    run(monkeypatch, capsys, "ingest", str(write_feed(tmp_path, *events())), "--db", store_url)
    code, out, _ = run(
        monkeypatch, capsys, "history", "household", "lifecare-test", "H1",
        "--format", "json", "--db", store_url,
    )  # fmt: skip
    history = json.loads(out)["events"]
    assert code == 0
    assert [e["type"] for e in history] == [
        "household.registered",
        "household.paid",
        "household.paid",
        "household.paid",
        "household.payment_reversed",
        "household.changed",
    ]
    assert history[0]["details"] == {"children": 2, "newly_arrived": True}
    assert history[1]["details"] == {
        "payment_id": "B1", "month": "2023-01-01", "amount": "12000", "kind": "forsorjningsstod"
    }  # fmt: skip
    assert history[4]["details"] == {"payment_id": "B2", "amount": "2000"}
    assert history[5]["details"] == {"children": 3}  # the removed co-applicant is person data
    assert "applicant" not in out
