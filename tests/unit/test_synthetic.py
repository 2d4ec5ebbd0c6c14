"""Exempelby's feeds have the seeds' volumes."""

import json
from collections import Counter

from adapters.synthetic.households import household_feed
from adapters.synthetic.investigations import case_feed


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
