"""The terms of a placement over time: form, legal basis, regi, daily cost and provider.

A change sets some terms from its date on. Changes may arrive out of date order (a case
worker registers an older change late), so the value of a term on a day is the one set by
the latest-dated start or change on or before that day; equal dates go by arrival order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

TERM_FIELDS = ("form", "legal_basis", "regi", "daily_cost", "provider")


@dataclass(frozen=True)
class Terms:
    form: str
    legal_basis: str
    regi: str
    daily_cost: Decimal
    provider: str | None


@dataclass(frozen=True)
class TermChange:
    """Terms set from `effective` on; `sequence` is the arrival order within a placement."""

    effective: date
    sequence: int
    values: Mapping[str, object]


@dataclass(frozen=True)
class Segment:
    """Days `first`..`last` (inclusive; `last` None while the placement is open) under one
    set of terms."""

    first: date
    last: date | None
    terms: Terms


def segments(
    initial: Terms, start: date, end: date | None, changes: Sequence[TermChange]
) -> list[Segment]:
    """Split the days in care into runs of equal terms; nothing outside start..end."""
    if not changes:
        return [Segment(start, end, initial)]
    ordered = sorted(changes, key=lambda c: (c.effective, c.sequence))
    runs: list[tuple[date, Terms]] = [(start, initial)]
    for change in ordered:
        if change.effective < start or (end is not None and change.effective > end):
            continue  # outside the days in care (an end date was corrected to before it)
        values = {k: v for k, v in change.values.items() if k in TERM_FIELDS}
        terms = replace(runs[-1][1], **values)  # type: ignore[arg-type]
        if runs[-1][0] == change.effective:
            runs[-1] = (change.effective, terms)
        else:
            runs.append((change.effective, terms))
    result: list[Segment] = []
    for index, (first, terms) in enumerate(runs):
        if index + 1 < len(runs):
            last: date | None = runs[index + 1][0] - timedelta(days=1)
        else:
            last = end
        if result and result[-1].terms == terms:
            result[-1] = Segment(result[-1].first, last, terms)
        else:
            result.append(Segment(first, last, terms))
    return result
