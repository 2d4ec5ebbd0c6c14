"""Budget years in the event store: each import and each forecast override an event of
the year's Budget aggregate, so that `--as-of` finds what was in force at a moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from eventsourcing.domain import DomainEvent

from adapters.errors import UserError
from adapters.eventstore.store import Store
from domain.budget import Budget, BudgetRow, budget_id
from domain.errors import DomainError


def load_budget(store: Store, year: int, as_of: datetime | None = None) -> Budget | None:
    """The year's budget as stored by `as_of` (None: now); None if there was none."""
    aggregate: Any = None
    for stored_event in store.events.get(budget_id(year)):
        domain_event = cast(DomainEvent, stored_event)
        if as_of is not None and domain_event.timestamp > as_of:
            break
        aggregate = cast(Any, domain_event).mutate(aggregate)
    return cast(Budget | None, aggregate)


def import_budget(store: Store, rows: list[BudgetRow], digest: str, by: str) -> dict[int, str]:
    """Each year of the file stored as a revision of its budget: 'imported', 'revised' or
    'unchanged' (the same file again stores nothing)."""
    outcome: dict[int, str] = {}
    for year in sorted({row.year for row in rows}):
        facts = [row.as_fact() for row in rows if row.year == year]
        budget = load_budget(store, year)
        if budget is None:
            budget = Budget(year=year, rows=facts, digest=digest, by=by)
            outcome[year] = "imported"
        elif budget.revise(facts, digest, by):
            outcome[year] = "revised"
        else:
            outcome[year] = "unchanged"
            continue
        store.events.put(budget.collect_events())
    return outcome


def change_budget(store: Store, year: int, change: Callable[[Budget], None]) -> None:
    """A command on the year's budget (a forecast override), stored; the rule it breaks
    is the user's error."""
    budget = load_budget(store, year)
    if budget is None:
        raise UserError(f"no budget for {year} is stored; `volym budget import FILE` first")
    try:
        change(budget)
    except DomainError as error:
        raise UserError(str(error)) from None
    store.events.put(budget.collect_events())


def budget_rows(store: Store, year: int, as_of: datetime | None = None) -> Budget:
    budget = load_budget(store, year, as_of)
    if budget is None:
        when = f" as of {as_of.isoformat()}" if as_of else ""
        raise UserError(f"no budget for {year} is stored{when}; `volym budget import FILE`")
    return budget
