"""The placement measures of reports.md, derived from the sums a read model returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.vocabulary import (
    AGE_GROUPS,
    FORM_GROUPS,
    FORMS,
    LEGAL_BASES,
    PLACEMENT_TARGET_GROUPS,
    REGI,
    SEXES,
)

MEASURES = (
    "care_days",
    "days",
    "average_placements",
    "cost",
    "cost_per_care_day",
    "started",
    "ended",
    "active_on_last_day",
    "persons",
)

# Dimension -> the values it can take, in report order (None: free text, sorted by name).
DIMENSIONS: dict[str, tuple[Any, ...] | None] = {
    "form": FORMS,
    "form_group": FORM_GROUPS,
    "legal_basis": LEGAL_BASES,
    "target_group": PLACEMENT_TARGET_GROUPS,
    "regi": REGI,
    "provider": None,
    "sex": SEXES,
    "age_group": AGE_GROUPS,
    "unaccompanied": (True, False),
}


@dataclass(frozen=True)
class PlacementSums:
    """What one group of one period adds up to; money in öre to stay exact."""

    care_days: int
    cost_ore: int
    started: int
    ended: int
    active_on_last_day: int
    persons: int


def placement_measures(sums: PlacementSums, days: int) -> dict[str, Any]:
    cost = sums.cost_ore / 100
    return {
        "care_days": sums.care_days,
        "days": days,
        "average_placements": sums.care_days / days,
        "cost": cost,
        "cost_per_care_day": cost / sums.care_days if sums.care_days else None,
        "started": sums.started,
        "ended": sums.ended,
        "active_on_last_day": sums.active_on_last_day,
        "persons": sums.persons,
    }


def empty_measures(days: int) -> dict[str, Any]:
    return placement_measures(PlacementSums(0, 0, 0, 0, 0, 0), days)
