"""What the placement forecast needs from the placements read model (live, or as of a
moment), as known on the cut-off day C: later events are not looked at."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import RowMapping, or_, select

from adapters.readmodels.placements import SqlPlacementView
from domain.budget import one_year_earlier
from domain.forecast import InCare, Survival


@dataclass
class PlacementFacts:
    survival: dict[str, Survival]  # by form group, over the three years before C
    in_care: dict[str, list[InCare]] = field(default_factory=dict)  # by form group on C
    daily_rate: dict[str, float] = field(default_factory=dict)  # new ones a day, by group
    new_cost: dict[str, float] = field(default_factory=dict)  # their mean daily cost


def placement_facts(
    view: SqlPlacementView, cutoff: date, where: dict[str, tuple[str, ...]]
) -> PlacementFacts:
    s = view.tables.segment
    c = cutoff.toordinal()
    three_years = one_year_earlier(one_year_earlier(one_year_earlier(cutoff))).toordinal()
    one_year = one_year_earlier(cutoff).toordinal()
    columns = [s.c.placement_key, s.c.first_day, s.c.start_day, s.c.end_day, s.c.form_group,
               s.c.cost_ore, *(s.c[d] for d in where)]  # fmt: skip
    statement = (
        select(*columns)
        .where(s.c.start_day <= c)
        .where(or_(s.c.start_day > three_years, s.c.end_day.is_(None), s.c.end_day >= c))
        .where(s.c.first_day <= c)
        .order_by(s.c.placement_key, s.c.first_day)
    )
    first: dict[str, RowMapping] = {}
    on_cutoff: dict[str, RowMapping] = {}
    with view.engine.connect() as conn:
        for row in conn.execute(statement):
            m = row._mapping
            first.setdefault(m["placement_key"], m)
            on_cutoff[m["placement_key"]] = m  # the last segment begun by C: the terms on C

    def matches(m: RowMapping) -> bool:
        # A boolean dimension (unaccompanied) is written true/false in the budget file.
        return all(str(m[d]).lower() in values or m[d] in values for d, values in where.items())

    observations: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    facts = PlacementFacts({})
    started: dict[str, list[float]] = defaultdict(list)
    for key, m in first.items():
        start, end = m["start_day"], m["end_day"]
        ended = end is not None and end <= c
        if start > three_years:
            days = (end if ended else c) - start + 1
            observations[m["form_group"]].append((days, ended))
        if start > one_year and matches(m):
            started[m["form_group"]].append(m["cost_ore"] / 100)
        if not ended:
            now = on_cutoff[key]
            if matches(now):
                facts.in_care.setdefault(now["form_group"], []).append(
                    InCare(date.fromordinal(start), now["cost_ore"] / 100)
                )
    window = c - one_year
    for group, costs in started.items():
        facts.daily_rate[group] = len(costs) / window
        facts.new_cost[group] = sum(costs) / len(costs)
    groups = set(observations) | set(facts.in_care) | set(started)
    facts.survival = {g: Survival(observations.get(g, [])) for g in groups}
    return facts
