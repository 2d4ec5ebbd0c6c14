"""Reference models, one per stream, on both stores: random valid histories, each measure
computed day by day (or month by month) by a plain implementation of reports.md, and
compared with volym's report for random periods and dimensions. Seeded: CI sees the same
histories every run."""

import calendar
import random
import statistics
from datetime import date, timedelta

import pytest

from adapters.feed.identity import _luhn_check_digit
from tests.helpers import (
    assessed,
    case_report,
    changed,
    closed,
    composition,
    ended,
    household,
    household_report_of,
    ingest,
    opened,
    paid,
    report,
    reported,
    reversal,
    started,
    voided,
)

YEAR_START, YEAR_END = date(2023, 1, 1), date(2023, 12, 31)
HISTORIES = 6  # per stream and store; each is checked for several periods and dimensions


def person(rng, born_from, born_to, female=None):
    """A valid personnummer (12 digits) and its facts."""
    born = born_from + timedelta(days=rng.randrange((born_to - born_from).days))
    female = rng.random() < 0.5 if female is None else female
    serial = rng.randrange(1, 100) * 10 + rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
    nine = f"{born:%y%m%d}{serial:03d}"
    return f"{born:%Y%m%d}{serial:03d}{_luhn_check_digit(nine)}", "kvinna" if female else "man"


def day_in(rng, first=YEAR_START, last=YEAR_END):
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def days(first, last):
    while first <= last:
        yield first
        first += timedelta(days=1)


def random_period(rng):
    first = day_in(rng)
    return first, day_in(rng, first)


# --- placements ------------------------------------------------------------------------

FORMS = ("hvb", "familjehem", "jourhem", "stodboende")
FORM_GROUP = {"hvb": "institution", "familjehem": "familjehem", "jourhem": "jourhem",
              "stodboende": "stodboende"}  # fmt: skip


def placement_history(rng, n):
    people = [person(rng, date(2006, 1, 1), date(2015, 1, 1)) for _ in range(4)]
    events, truth = [], []
    for i in range(n):
        pid = f"P{i}"
        number, sex = rng.choice(people)
        first = day_in(rng, date(2022, 10, 1), YEAR_END)
        terms = {"form": rng.choice(FORMS), "regi": rng.choice(("egen", "extern")),
                 "cost": rng.randrange(500, 5000)}  # fmt: skip
        events.append(started(pid, first.isoformat(), person=number, form=terms["form"],
                              regi=terms["regi"], daily_cost=f"{terms['cost']}.00"))  # fmt: skip
        last = day_in(rng, first, date(2024, 3, 1)) if rng.random() < 0.6 else None
        changes = []
        for _ in range(rng.randrange(3)):
            on = day_in(rng, first, last or YEAR_END)
            new = {"form": rng.choice(FORMS), "cost": rng.randrange(500, 5000)}
            changes.append((on, new))
            events.append(changed(pid, on.isoformat(), form=new["form"],
                                  daily_cost=f"{new['cost']}.00"))  # fmt: skip
        if last is not None:
            events.append(ended(pid, last.isoformat()))
        is_void = rng.random() < 0.1
        if is_void:
            events.append(voided(pid, first.isoformat()))
        truth.append({"person": number, "sex": sex, "first": first, "last": last,
                      "terms": terms, "changes": changes, "void": is_void})  # fmt: skip
    return events, truth


def in_force(p, day):
    terms = dict(p["terms"])
    for on, new in sorted(p["changes"], key=lambda c: c[0]):  # stable: later sent wins a tie
        if on <= day:
            terms.update(new)
    return terms


def group_of(p, day, dim):
    terms = in_force(p, day)
    return {None: None, "form": terms["form"], "form_group": FORM_GROUP[terms["form"]],
            "regi": terms["regi"], "sex": p["sex"]}[dim]  # fmt: skip


def placement_reference(truth, first, last, dim):
    groups = {}

    def g(key):
        return groups.setdefault(key, {"care_days": 0, "cost": 0, "started": 0, "ended": 0,
                                       "active_on_last_day": 0, "persons": set()})  # fmt: skip

    for p in truth:
        if p["void"]:
            continue
        in_care_to = p["last"] or last  # open: in care to the period's end
        for day in days(max(first, p["first"]), min(last, in_care_to)):
            row = g(group_of(p, day, dim))
            row["care_days"] += 1
            row["cost"] += in_force(p, day)["cost"]
            row["persons"].add(p["person"])
        if first <= p["first"] <= last:
            g(group_of(p, p["first"], dim))["started"] += 1
        if p["last"] is not None and first <= p["last"] <= last:
            g(group_of(p, p["last"], dim))["ended"] += 1
        if p["first"] <= last <= in_care_to:
            g(group_of(p, last, dim))["active_on_last_day"] += 1
    return {k: {**v, "persons": len(v["persons"])} for k, v in groups.items()}


@pytest.mark.parametrize("seed", range(HISTORIES))
def test_placements_equal_a_day_by_day_count(volym, seed):
    rng = random.Random(seed)
    events, truth = placement_history(rng, 10)
    assert ingest(volym, *events).rejected == 0
    for dim in (None, "form", "form_group", "regi", "sex"):
        first, last = random_period(rng)
        got = report(volym, f"{first}..{last}", by=(dim,) if dim else ())
        rows = {(r[dim] if dim else None): r for r in got["rows"]}
        want = placement_reference(truth, first, last, dim)
        want = {k: v for k, v in want.items() if any(v.values())}
        span = (last - first).days + 1
        assert set(rows) == set(want), (seed, dim)
        for key, expected in want.items():
            row = rows[key]
            for measure in ("care_days", "started", "ended", "active_on_last_day", "persons"):
                assert row[measure] == expected[measure], (seed, dim, key, measure)
            assert row["cost"] == pytest.approx(expected["cost"])
            assert row["average_placements"] == pytest.approx(expected["care_days"] / span)


# --- investigations ------------------------------------------------------------------------


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def investigation_history(rng, n):
    people = [person(rng, date(2006, 1, 1), date(2015, 1, 1)) for _ in range(5)]
    events, truth = [], []
    for i in range(n):
        cid = f"C{i}"
        number, _ = rng.choice(people)
        on = day_in(rng, date(2022, 9, 1), YEAR_END)
        route = rng.choice(("anmalan", "ansokan", "ovrigt"))
        events.append(reported(cid, on.isoformat(), person=number, route=route))
        case = {"person": number, "route": route, "reported": on, "assessed": None,
                "opened": None, "closed": None}  # fmt: skip
        if rng.random() < 0.8:  # often right at the 14-day boundary
            case["assessed"] = on + timedelta(days=rng.choice((13, 14, 15, rng.randrange(30))))
            events.append(assessed(cid, case["assessed"].isoformat()))
        if rng.random() < 0.6:
            case["opened"] = (case["assessed"] or on) + timedelta(days=rng.randrange(5))
            events.append(opened(cid, case["opened"].isoformat()))
            if rng.random() < 0.7:  # often right at the four-month boundary
                at_four = add_months(case["opened"], 4) + timedelta(days=rng.choice((-1, 0, 1)))
                case["closed"] = rng.choice(
                    (at_four, case["opened"] + timedelta(days=rng.randrange(200)))
                )
                events.append(closed(cid, case["closed"].isoformat()))
        truth.append(case)
    return events, truth


def investigation_reference(truth, first, last, dim):
    groups = {}
    for c in truth:
        key = c["route"] if dim == "route" else None
        g = groups.setdefault(
            key,
            {"reported": set(), "assessed": 0, "within": 0, "opened": set(), "closed": [],
             "over": 0, "ongoing": 0},
        )  # fmt: skip

        def inside(day):
            return day is not None and first <= day <= last

        if inside(c["reported"]):
            g["reported"].add(c["person"])
            g.setdefault("reported_n", 0)
            g["reported_n"] += 1
        if inside(c["assessed"]):
            g["assessed"] += 1
            g["within"] += (c["assessed"] - c["reported"]).days <= 14
        if inside(c["opened"]):
            g["opened"].add(c["person"])
            g["opened_n"] = g.get("opened_n", 0) + 1
        if inside(c["closed"]):
            g["closed"].append((c["closed"] - c["opened"]).days)
            g["over"] += c["closed"] > add_months(c["opened"], 4)
        if c["opened"] is not None and c["opened"] <= last and not (
            c["closed"] is not None and c["closed"] <= last
        ):
            g["ongoing"] += 1
    return groups


@pytest.mark.parametrize("seed", range(HISTORIES))
def test_investigations_equal_a_case_by_case_count(volym, seed):
    rng = random.Random(100 + seed)
    events, truth = investigation_history(rng, 14)
    assert ingest(volym, *events).rejected == 0
    for dim in (None, "route", None):
        first, last = random_period(rng)
        got = case_report(volym, f"{first}..{last}", by=(dim,) if dim else ())
        rows = {(r[dim] if dim else None): r for r in got["rows"]}
        for key, g in investigation_reference(truth, first, last, dim).items():
            if key not in rows:
                assert not (g.get("reported_n") or g["assessed"] or g.get("opened_n")
                            or g["closed"] or g["ongoing"]), (seed, dim, key)  # fmt: skip
                continue
            row = rows[key]
            assert row["reported"] == g.get("reported_n", 0), (seed, dim, key)
            assert row["persons_reported"] == len(g["reported"])
            assert row["assessed"] == g["assessed"]
            assert row["assessed_within_14_days"] == g["within"]
            assert row["opened"] == g.get("opened_n", 0)
            assert row["persons_opened"] == len(g["opened"])
            assert row["closed"] == len(g["closed"])
            assert row["closed_over_4_months"] == g["over"]
            assert row["ongoing_on_last_day"] == g["ongoing"], (seed, dim, key)
            median = statistics.median(g["closed"]) if g["closed"] else None
            assert row["median_duration_days"] == median


# --- households ------------------------------------------------------------------------


def household_history(rng, n):
    events, truth = [], []
    for i in range(n):
        hid = f"H{i}"
        applicant, _ = person(rng, date(1960, 1, 1), date(2000, 1, 1))
        registered = day_in(rng, date(2022, 11, 1), date(2023, 10, 1))
        children = rng.randrange(4)
        events.append(household(hid, registered.isoformat(), applicant=applicant,
                                children=children))  # fmt: skip
        h = {"applicant": applicant, "registered": registered, "children": [(registered, children)],
             "payments": {}}  # fmt: skip
        if rng.random() < 0.4:
            on = day_in(rng, registered, YEAR_END)
            new = rng.randrange(4)
            h["children"].append((on, new))
            events.append(composition(hid, on.isoformat(), children=new))
        month = date(registered.year, registered.month, 1)
        for k in range(rng.randrange(1, 10)):
            if month > date(2023, 12, 1):
                break
            amount = rng.randrange(1000, 15000)
            kind = rng.choice(("forsorjningsstod", "forsorjningsstod", "ovrigt"))
            pay_id = f"{hid}-B{k}"
            paid_on = max(registered, month)
            events.append(paid(hid, paid_on.isoformat(), pay_id, f"{month:%Y-%m}",
                               str(amount), kind=kind))  # fmt: skip
            h["payments"][pay_id] = [month, kind, amount]
            if rng.random() < 0.15:
                back = rng.choice((amount, rng.randrange(1, amount)))
                events.append(reversal(hid, paid_on.isoformat(), pay_id, amount=str(back)))
                h["payments"][pay_id][2] -= back
            month = add_months(month, rng.choice((1, 1, 2)))
        truth.append(h)
    return events, truth


def children_on(h, month):
    day = max(month, h["registered"])
    value = 0
    for on, children in sorted(h["children"], key=lambda c: c[0]):
        if on <= day:
            value = children
    return value


def household_reference(truth, months, dim):
    groups = {}
    for h in truth:
        for month in months:
            nets = {}
            for pay_month, kind, amount in h["payments"].values():
                if pay_month == month:
                    key = kind if dim == "kind" else None
                    nets[key] = nets.get(key, 0) + amount
            for key, net in nets.items():
                g = groups.setdefault(key, {"household_months": 0, "amount": 0, "children": 0,
                                            "persons": set()})  # fmt: skip
                g["amount"] += net
                if net > 0:
                    g["household_months"] += 1
                    g["children"] += children_on(h, month)
                    g["persons"].add(h["applicant"])
    return groups


@pytest.mark.parametrize("seed", range(HISTORIES))
def test_households_equal_a_month_by_month_count(volym, seed):
    rng = random.Random(200 + seed)
    events, truth = household_history(rng, 10)
    assert ingest(volym, *events).rejected == 0
    for dim in (None, "kind"):
        first = rng.randrange(1, 13)
        last = rng.randrange(first, 13)
        months = [date(2023, m, 1) for m in range(first, last + 1)]
        got = household_report_of(volym, f"2023-{first:02d}..2023-{last:02d}",
                                  by=(dim,) if dim else ())  # fmt: skip
        rows = {(r[dim] if dim else None): r for r in got["rows"]}
        for key, g in household_reference(truth, months, dim).items():
            if not g["household_months"] and not g["amount"]:
                continue
            row = rows[key]
            assert row["household_months"] == g["household_months"], (seed, dim, key)
            assert row["amount"] == pytest.approx(g["amount"])
            assert row["children_avg_per_month"] == pytest.approx(g["children"] / len(months))
            assert row["persons"] == len(g["persons"])
            assert row["households_avg_per_month"] == pytest.approx(
                g["household_months"] / len(months)
            )
