"""The demo: Exempelby's feeds are valid and have the seeds' volumes, and `volym demo`
runs end to end on the embedded default."""

import json
from collections import Counter

from adapters.synthetic.households import household_feed
from adapters.synthetic.investigations import case_feed
from tests.test_cli import run


def test_children_get_about_two_thousand_reports_a_year_and_one_in_five_is_investigated():
    reports, opened = Counter(), Counter()
    groups = {}
    for line in case_feed(2024):
        event = json.loads(line)
        year = event["occurred_on"][:4]
        if event["type"] == "investigation.reported":
            groups[event["case_id"]] = event["target_group"]
            reports[event["target_group"], year] += 1
        elif event["type"] == "investigation.opened":
            opened[groups[event["case_id"]], year] += 1
    for year in ("2021", "2022", "2023", "2024", "2025"):
        children = reports["barn_unga", year]
        assert 1700 <= children <= 2500
        assert 0.15 <= opened["barn_unga", year] / children <= 0.25


def test_households_are_about_four_hundred_a_month_at_about_ten_thousand_sek_each():
    paid, households = Counter(), {}
    for line in household_feed(2024):
        event = json.loads(line)
        if event["type"] == "household.paid" and event["month"].startswith("2024"):
            paid[event["month"]] += float(event["amount"])
            households.setdefault(event["month"], set()).add(event["household_id"])
    per_month = sum(len(h) for h in households.values()) / 12
    assert 330 <= per_month <= 450
    assert 9000 <= sum(paid.values()) / (per_month * 12) <= 11500


def test_demo_ingests_every_line_and_shows_the_namnds_tables(tmp_path, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "demo", "--dir", str(tmp_path))
    assert code in (0, None)
    assert " 0 rejected" in out
    for title in (
        "Antal placeringar",
        "Inledda aktualiseringar",
        "Andel över 4 månader, %",
        "Hushåll per månad",
        "Andel långvarigt, %",
    ):
        assert title in out
    assert "2021-Q1" in out and "2025-Q1" in out
