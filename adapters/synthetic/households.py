"""Exempelby's benefit households as a feed: about 400 households a month (the seeds'
150–200 in a municipality of 45 000, scaled to 100 000) and about 10 000–11 000 SEK per
household-month; a third or so on long-term assistance, some nyanlända within the
establishment period, composition changes, extra payments (övrigt bistånd), late
payments for earlier months, and partial or full reversals."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from adapters.synthetic.placements import (
    EXPORT_DAY,
    Entry,
    arrivals,
    as_feed,
    in_registration_order,
    personnummer,
)

FIRST_DAY = date(2019, 1, 1)  # warm-up: long-term households exist when 2021 starts
LEVEL = 400  # households receiving assistance in an average month
SHORT, LONG = 3.0, 24.0  # mean months of assistance of the two kinds of household
LONG_SHARE = 0.4  # of new households


def household_feed(seed: int = 2024, scale: float = 1.0) -> Iterator[str]:
    """Feed lines in the order the case system registered them."""
    rng = random.Random(seed + 2)
    mean_months = LONG_SHARE * LONG + (1 - LONG_SHARE) * SHORT
    per_day = LEVEL * scale / mean_months / 30.4  # Little's law, as for placements
    entries: list[Entry] = []
    for counter, day in enumerate(arrivals(rng, FIRST_DAY, lambda _: per_day), start=1):
        entries += _household(rng, day, f"H{counter:06d}")
    yield from as_feed(entries)


def _household(rng: random.Random, first: date, household_id: str) -> list[Entry]:
    months = max(1, round(rng.expovariate(1 / (LONG if rng.random() < LONG_SHARE else SHORT))))
    adults = 2 if rng.random() < 0.3 else 1
    children = rng.choice((0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 4))
    newly_arrived = rng.random() < 0.12
    facts: dict[str, object] = {"applicant": _adult(rng, first), "children": children}
    if adults == 2:
        facts["co_applicant"] = _adult(rng, first)
    if newly_arrived:
        facts["newly_arrived"] = True
    steps: list[tuple[str, date, dict[str, object]]] = [("registered", first, facts)]
    month = date(first.year, first.month, 1)
    for index in range(months):
        if month > EXPORT_DAY:
            break
        if index and rng.random() < 0.02:  # a child born or moved in
            children += 1
            steps.append(("changed", month, {"children": children}))
        if index == 24 and newly_arrived:  # the establishment period ends
            steps.append(("changed", month, {"newly_arrived": False}))
        size = adults + children
        amount = (3900 * adults + 1900 * children + 900 * size**0.5) * 1.025 ** (month.year - 2021)
        paid_on = max(first, month - timedelta(days=rng.randint(2, 8)))
        if rng.random() < 0.04:  # paid late, after the month it is for
            paid_on = month + timedelta(days=rng.randint(35, 70))
        payment = f"{household_id}-{index}"
        steps.append(("paid", paid_on, _payment(payment, month, rng.uniform(0.8, 1.2) * amount)))
        if rng.random() < 0.1:
            extra = _payment(payment + "x", month, rng.uniform(500, 3000), "ovrigt")
            steps.append(("paid", paid_on + timedelta(days=3), extra))
        if rng.random() < 0.03:  # part of it paid back or corrected
            steps.append(("payment_reversed", paid_on + timedelta(days=20),
                          {"payment_id": payment, "amount": "1000.00"}))  # fmt: skip
        elif rng.random() < 0.01:  # paid in error
            steps.append(("payment_reversed", paid_on + timedelta(days=10),
                          {"payment_id": payment}))  # fmt: skip
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    if month <= EXPORT_DAY:
        steps.append(("closed", month - timedelta(days=1), {}))
    return in_registration_order(rng, "household", "household_id", household_id, steps)


def _payment(
    payment_id: str, month: date, amount: float, kind: str | None = None
) -> dict[str, object]:
    fields: dict[str, object] = {
        "payment_id": payment_id,
        "month": f"{month.year:04d}-{month.month:02d}",
        "amount": f"{amount:.2f}",
    }
    if kind:
        fields["kind"] = kind
    return fields


def _adult(rng: random.Random, on: date) -> str:
    age = rng.randint(19, 64)
    born = on - timedelta(days=age * 365 + rng.randint(0, 364))
    return personnummer(rng, born, rng.random() < 0.5, coordination=rng.random() < 0.05)
