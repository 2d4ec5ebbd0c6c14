"""Exempelby's investigations as a feed: aktualiseringar per target group with the volumes
of a municipality of about 100 000 (about 2 000 reports a year about children, one in five
investigated), förhandsbedömningar mostly within 14 days, utredningar of which some run
past four months, persons reported again, and facts registered days or weeks late."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from adapters.synthetic.placements import (
    Entry,
    arrivals,
    as_feed,
    in_registration_order,
    personnummer,
)

FIRST_DAY = date(2020, 7, 1)  # warm-up: open investigations exist when 2021 starts


@dataclass(frozen=True)
class Group:
    target_group: str
    per_year: float  # reports in 2021; volumes grow a little each year
    growth: float
    investigated: float  # share of reports that lead to an utredning
    mean_days: int  # mean utredningstid
    ages: tuple[int, int]
    routes: tuple[tuple[str, float], ...]
    again: float  # share of reports about someone reported before


GROUPS = (
    Group("barn_unga", 1900, 1.05, 0.2, 95, (0, 17),
          (("anmalan", 0.86), ("ansokan", 0.1), ("ovrigt", 0.04)), 0.35),
    Group("vuxna_missbruk", 380, 1.02, 0.4, 60, (21, 70),
          (("anmalan", 0.45), ("ansokan", 0.45), ("ovrigt", 0.1)), 0.3),
    Group("vuxna_vald", 160, 1.06, 0.35, 45, (21, 70),
          (("anmalan", 0.55), ("ansokan", 0.35), ("ovrigt", 0.1)), 0.2),
    Group("vuxna_ovriga", 200, 1.0, 0.3, 50, (21, 85),
          (("anmalan", 0.3), ("ansokan", 0.6), ("ovrigt", 0.1)), 0.15),
    Group("ekonomiskt_bistand", 650, 1.03, 0.6, 25, (18, 70),
          (("ansokan", 0.95), ("ovrigt", 0.05)), 0.4),
)  # fmt: skip

REPORTERS = (
    ("skola", 0.24), ("polis", 0.2), ("halso_och_sjukvard", 0.12), ("socialtjanst", 0.12),
    ("forskola", 0.08), ("anhorig", 0.08), ("enskild", 0.07), ("anonym", 0.05), ("annan", 0.04),
)  # fmt: skip
OUTCOMES = (("insats", 0.58), ("ingen_insats", 0.34), ("overflyttad", 0.04), ("annat", 0.04))


def case_feed(seed: int = 2024, scale: float = 1.0) -> Iterator[str]:
    """Feed lines in the order the case system registered them; `scale` multiplies the
    volumes (a larger municipality)."""
    rng = random.Random(seed + 1)
    entries: list[Entry] = []
    counter = 0
    for group in GROUPS:
        known: list[tuple[str, date]] = []

        def per_day(day: date, group: Group = group) -> float:
            return scale * group.per_year * group.growth ** (day.year - 2021) / 365

        for day in arrivals(rng, FIRST_DAY, per_day):
            counter += 1
            person = _person(rng, group, day, known)
            entries += _case(rng, group, day, f"U{counter:06d}", person)
    yield from as_feed(entries)


def _case(
    rng: random.Random, group: Group, reported_on: date, case_id: str, person: str
) -> list[Entry]:
    route = _pick(rng, group.routes)
    facts: dict[str, object] = {
        "person": person,
        "target_group": group.target_group,
        "route": route,
    }
    if route == "anmalan":
        facts["reporter"] = _pick(rng, REPORTERS)
    steps: list[tuple[str, date, dict[str, object]]] = [("reported", reported_on, facts)]
    # Most förhandsbedömningar are done within the 14 days, some take longer.
    assessed_on = reported_on + timedelta(days=min(int(rng.expovariate(1 / 6)), 45))
    investigate = rng.random() < group.investigated
    decision = "inled_utredning" if investigate else "ingen_utredning"
    steps.append(("assessed", assessed_on, {"decision": decision}))
    if investigate:
        opened_on = assessed_on + timedelta(days=rng.choice((0, 0, 0, 1, 2)))
        steps.append(("opened", opened_on, {}))
        duration = max(1, round(rng.gammavariate(3, group.mean_days / 3)))
        closed_on = opened_on + timedelta(days=duration)
        if duration > 110:  # the investigator asks for more time before the four months end
            extended_on = opened_on + timedelta(days=110)
            until = opened_on + timedelta(days=duration + 14)
            steps.append(("extended", extended_on, {"until": until.isoformat()}))
        outcome = "avslag" if route == "ansokan" and rng.random() < 0.3 else _pick(rng, OUTCOMES)
        steps.append(("closed", closed_on, {"outcome": outcome}))
    return in_registration_order(rng, "investigation", "case_id", case_id, steps)


def _person(rng: random.Random, group: Group, on: date, known: list[tuple[str, date]]) -> str:
    if known and rng.random() < group.again:
        identifier, born = rng.choice(known[-300:])
        if group.ages[0] <= (on - born).days // 365 <= group.ages[1] + 1:
            return identifier
    age = rng.randint(*group.ages)
    born = on - timedelta(days=age * 365 + rng.randint(0, 364))
    female = rng.random() < (0.85 if group.target_group == "vuxna_vald" else 0.47)
    identifier = personnummer(rng, born, female, coordination=rng.random() < 0.02)
    known.append((identifier, born))
    return identifier


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    names = [name for name, _ in weighted]
    return rng.choices(names, [weight for _, weight in weighted])[0]
