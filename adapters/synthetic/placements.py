"""A synthetic but realistic municipality of about 100 000 inhabitants (Exempelby), as a
feed: placements of children and adults with the forms, durations, costs and volumes of a
mid-sized Swedish municipality, plus the untidiness of real exports (late registration,
corrected end dates, voided placements, re-placed persons, every identifier form).

Volumes follow Little's law: on an average day `level` placements of a kind are in care,
each lasting `mean_days` on average, so `level / mean_days` start per day."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

SOURCE = "lifecare-exempelby"
FIRST_DAY = date(2017, 1, 1)  # warm-up: ongoing placements exist when the reports start
EXPORT_DAY = date(2026, 1, 15)  # the case system's export: later events are not known yet


@dataclass(frozen=True)
class Kind:
    target_group: str
    form: str
    level: float  # placements in care on an average day
    mean_days: int
    sol_share: float  # the rest under lvu (children) or lvm (adults)
    own_share: float  # egen regi
    cost_own: tuple[int, int]
    cost_extern: tuple[int, int]
    ages: tuple[int, int]


KINDS = (
    Kind("barn_unga", "familjehem", 52, 700, 0.65, 0.7, (500, 900), (1600, 2600), (0, 17)),
    Kind("barn_unga", "natverkshem", 12, 600, 0.7, 0.9, (400, 700), (1200, 1800), (0, 17)),
    Kind("barn_unga", "hvb", 25, 180, 0.6, 0.1, (2800, 3600), (3500, 5500), (13, 20)),
    Kind("barn_unga", "jourhem", 8, 90, 0.5, 0.6, (900, 1400), (2000, 3000), (0, 15)),
    Kind("barn_unga", "sis", 6, 150, 0.0, 0.0, (0, 0), (5200, 7200), (13, 20)),
    Kind("barn_unga", "stodboende", 11, 270, 1.0, 0.4, (1200, 1800), (1500, 2400), (16, 20)),
    Kind("barn_unga", "traningslagenhet", 3, 240, 1.0, 0.8, (600, 1000), (900, 1400), (17, 20)),
    Kind("vuxna_missbruk", "hvb", 14, 120, 1.0, 0.0, (0, 0), (2200, 3500), (21, 70)),
    Kind("vuxna_missbruk", "sis", 3, 150, 0.0, 0.0, (0, 0), (5000, 6500), (21, 64)),
    Kind("vuxna_missbruk", "familjehem", 2, 300, 1.0, 0.2, (800, 1100), (1100, 1600), (21, 64)),
    Kind("vuxna_vald", "skyddat_boende", 9, 60, 1.0, 0.2, (1500, 2000), (1800, 3200), (21, 64)),
    Kind("vuxna_ovriga", "stodboende", 6, 240, 1.0, 0.5, (900, 1400), (1300, 2100), (21, 80)),
    Kind("vuxna_ovriga", "annat", 2, 120, 1.0, 0.3, (800, 1200), (1000, 2000), (21, 80)),
)

PROVIDERS = {
    "hvb": ("Ekbackens HVB", "Solviks behandlingshem", "Nytida Lövudden", "Humana Granåsen"),
    "sis": ("SiS Råby ungdomshem", "SiS Hessleby", "SiS Lunde LVM-hem"),
    "familjehem": ("Familjehemsbanken (konsulentstöd)", "Kompass familjehem"),
    "natverkshem": ("Kompass familjehem",),
    "jourhem": ("Jourhemsakuten", "Kompass familjehem"),
    "stodboende": ("Humana stödboende", "Attendo Lärkan"),
    "traningslagenhet": ("Attendo Lärkan",),
    "skyddat_boende": ("Kvinnojouren Frida", "Skyddat boende Tryggheten"),
    "annat": ("Övrig vårdgivare",),
}


Entry = tuple[datetime, dict[str, object]]  # when the case system registered it, the line


def placement_feed(seed: int = 2024, scale: float = 1.0) -> Iterator[str]:
    """Feed lines in the order the case system registered them."""
    rng = random.Random(seed)
    entries: list[Entry] = []
    persons: dict[str, list[tuple[str, date, bool]]] = {}
    counter = 0
    for kind in KINDS:
        origin = FIRST_DAY - timedelta(days=kind.mean_days)  # to reach the steady state

        def per_day(_: date, kind: Kind = kind) -> float:
            return kind.level * scale / kind.mean_days

        for day in arrivals(rng, origin, per_day):
            counter += 1
            entries += _placement(rng, kind, day, f"P{counter:06d}", persons)
    yield from as_feed(entries)


def arrivals(rng: random.Random, origin: date, per_day: Callable[[date], float]) -> Iterator[date]:
    """The days on which new placements, cases or households begin, up to the export: a
    Poisson process, so several may begin on one day."""
    elapsed, day = 0.0, origin
    while True:
        elapsed += rng.expovariate(per_day(day))
        day = origin + timedelta(days=int(elapsed))
        if day > EXPORT_DAY:
            return
        yield day


def as_feed(entries: Iterable[Entry]) -> Iterator[str]:
    """What the export holds, in the order the case system registered it."""
    known = [(r, i, e) for i, (r, e) in enumerate(entries) if r.date() <= EXPORT_DAY]
    known.sort(key=lambda item: (item[0], item[1]))
    for recorded, _, entry in known:
        entry["recorded_at"] = recorded.isoformat()
        yield json.dumps(entry, ensure_ascii=False)


def in_registration_order(
    rng: random.Random, stream: str, key_field: str, key: str, steps: list[tuple[str, date, Any]]
) -> list[Entry]:
    """One aggregate's steps (type, effective day, fields) as feed entries, each registered
    some days after it happened and never before the step before it."""
    out: list[Entry] = []
    for sequence, (kind, on, fields) in enumerate(steps, start=1):
        moment = registered(rng, on)
        if out and moment <= out[-1][0]:
            moment = out[-1][0] + timedelta(minutes=1)
        entry = {
            "event_id": f"{key}-{sequence}",
            "source": SOURCE,
            "type": f"{stream}.{kind}",
            "occurred_on": on.isoformat(),
            key_field: key,
            **fields,
        }
        out.append((moment, entry))
    return out


def _placement(
    rng: random.Random,
    kind: Kind,
    start: date,
    placement_id: str,
    persons: dict[str, list[tuple[str, date, bool]]],
) -> list[tuple[datetime, dict[str, object]]]:
    own = rng.random() < kind.own_share
    low, high = kind.cost_own if own else kind.cost_extern
    indexation = 1.03 ** (start.year - 2021)
    cost = Decimal(round(rng.uniform(low, high) * indexation)).quantize(Decimal("0.01"))
    legal = (
        "sol"
        if rng.random() < kind.sol_share
        else ("lvu" if kind.target_group == "barn_unga" else "lvm")
    )
    person = _person(rng, kind, start, persons)
    unaccompanied = (
        kind.target_group == "barn_unga"
        and kind.form in ("hvb", "stodboende")
        and (rng.random() < 0.08)
    )
    started: dict[str, object] = {
        "event_id": f"{placement_id}-1",
        "source": SOURCE,
        "type": "placement.started",
        "occurred_on": start.isoformat(),
        "placement_id": placement_id,
        "person": person,
        "form": kind.form,
        "legal_basis": legal,
        "target_group": kind.target_group,
        "regi": "egen" if own else "extern",
        "daily_cost": str(cost),
    }
    if not own:
        started["provider"] = rng.choice(PROVIDERS[kind.form])
    if unaccompanied:
        started["unaccompanied"] = True
    if kind.form == "skyddat_boende":
        started["accompanying_children"] = rng.choice((0, 0, 1, 1, 2, 3))
    duration = max(1, round(rng.expovariate(1 / kind.mean_days)))
    last = start + timedelta(days=duration - 1)
    out = [(registered(rng, start), started)]
    sequence = 1
    move: date | None = None
    if kind.form == "hvb" and kind.target_group == "barn_unga" and rng.random() < 0.2:
        candidate = start + timedelta(days=duration // 2)
        move = candidate if start < candidate < last else None
    # Yearly fee indexation of long placements; some children move from HVB to familjehem.
    year = start.year + 1
    while date(year, 1, 1) <= min(last, EXPORT_DAY):
        if move is not None and date(year, 1, 1) >= move:
            break
        cost = (cost * Decimal("1.03")).quantize(Decimal("0.01"))
        sequence += 1
        out.append(
            (
                registered(rng, date(year, 1, 1)),
                _event(
                    placement_id,
                    sequence,
                    "placement.changed",
                    date(year, 1, 1),
                    daily_cost=str(cost),
                ),
            )
        )
        year += 1
    if move is not None and move <= EXPORT_DAY:
        sequence += 1
        out.append(
            (
                registered(rng, move),
                _event(
                    placement_id,
                    sequence,
                    "placement.changed",
                    move,
                    form="familjehem",
                    regi="egen",
                    daily_cost=str(rng.randint(600, 900)) + ".00",
                ),
            )
        )
    if last <= EXPORT_DAY:
        sequence += 1
        out.append((registered(rng, last), _event(placement_id, sequence, "placement.ended", last)))
        if rng.random() < 0.02:  # the end date is corrected later
            sequence += 1
            corrected = max(start, last + timedelta(days=rng.randint(-10, 10)))
            out.append(
                (
                    registered(rng, last + timedelta(days=25)),
                    _event(placement_id, sequence, "placement.ended", corrected),
                )
            )
    if rng.random() < 0.01:  # registered in error
        sequence += 1
        out.append(
            (
                registered(rng, start + timedelta(days=5)),
                _event(placement_id, sequence, "placement.voided", start, reason="felregistrering"),
            )
        )
    # Each placement's events arrive in order (the case system registers them so).
    fixed: list[tuple[datetime, dict[str, object]]] = []
    for recorded, entry in sorted(
        out, key=lambda item: int(str(item[1]["event_id"]).split("-")[1])
    ):
        if fixed and recorded <= fixed[-1][0]:
            recorded = fixed[-1][0] + timedelta(minutes=1)
        fixed.append((recorded, entry))
    return fixed


def _event(
    placement_id: str, sequence: int, kind: str, on: date, **fields: object
) -> dict[str, object]:
    return {
        "event_id": f"{placement_id}-{sequence}",
        "source": SOURCE,
        "type": kind,
        "occurred_on": on.isoformat(),
        "placement_id": placement_id,
        **fields,
    }


def registered(rng: random.Random, on: date) -> datetime:
    lag = min(int(rng.expovariate(1 / 4)), 60)  # most within days, some weeks late
    moment = datetime.combine(on + timedelta(days=lag), time(8, 0), tzinfo=UTC)
    return moment + timedelta(minutes=rng.randint(0, 9 * 60))


def _person(
    rng: random.Random, kind: Kind, start: date, persons: dict[str, list[tuple[str, date, bool]]]
) -> str:
    known = persons.setdefault(kind.target_group, [])
    if known and rng.random() < 0.15:  # re-placed: the same person again
        identifier, born, _ = rng.choice(known[-200:])
        if kind.ages[0] <= (start - born).days // 365 <= kind.ages[1]:
            return identifier
    age = rng.randint(*kind.ages)
    born = start - timedelta(days=age * 365 + rng.randint(0, 364))
    female = rng.random() < (0.9 if kind.form == "skyddat_boende" else 0.45)
    identifier = personnummer(rng, born, female, coordination=rng.random() < 0.03)
    known.append((identifier, born, female))
    return identifier


def personnummer(
    rng: random.Random, born: date, female: bool, *, coordination: bool = False
) -> str:
    day = born.day + (60 if coordination else 0)
    serial = rng.randint(0, 99) * 10 + rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
    serial = serial or 10  # the individual number 000 is never issued (feed.md)
    nine = f"{born.year % 100:02d}{born.month:02d}{day:02d}{serial:03d}"
    check = luhn(nine)
    form = rng.random()
    if form < 0.5:
        return f"{born.year:04d}{born.month:02d}{day:02d}{serial:03d}{check}"
    if form < 0.8:
        return f"{born.year:04d}{born.month:02d}{day:02d}-{serial:03d}{check}"
    return f"{nine[:6]}-{serial:03d}{check}"


def luhn(nine: str) -> int:
    total = 0
    for index, char in enumerate(nine):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10
