"""What a benefit household is made of, apart from the aggregate (domain.household): its
composition over time and its payments. The projection and the read model keep these, and
a command that only reads should not build the aggregate's event classes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

COMPOSITION_FIELDS = ("co_applicant", "children", "newly_arrived")


@dataclass(frozen=True)
class Composition:
    """Who the household is on a day: the adults (pseudonyms) and the children."""

    applicant: str
    co_applicant: str | None
    children: int
    newly_arrived: bool


@dataclass(frozen=True)
class CompositionChange:
    """Values set from `effective` on; `sequence` is the arrival order in the household."""

    effective: date
    sequence: int
    values: dict[str, Any]


def composition_on(
    initial: Composition, changes: list[CompositionChange], day: date
) -> Composition:
    """The values of the latest-dated registration or change on or before `day` (equal
    dates by arrival), field by field, so a late-registered older change lands in place."""
    current = initial
    for change in sorted(changes, key=lambda c: (c.effective, c.sequence)):
        if change.effective > day:
            break
        current = replace(current, **change.values)
    return current


class Payment(NamedTuple):
    """Immutable, so a snapshot of the household shares it; money in whole öre."""

    month: date  # the first day of the month the assistance is for
    kind: str
    amount_ore: int
    reversed_ore: int = 0

    @property
    def left_ore(self) -> int:
        return self.amount_ore - self.reversed_ore


def ore(amount: Decimal) -> int:
    return int(amount * 100)  # exact: the feed allows at most two decimals


def kronor(amount_ore: int) -> Decimal:
    return Decimal(amount_ore).scaleb(-2)
