"""`volym forecast backtest` of budget.md: for a finished year and each cut-off, the
forecast both ways (the method and the run-rate) made from the events the case systems
had registered by the cut-off, against the year's outcome as known today."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

from adapters.budget.ledger import load_budget
from adapters.budget.verksamhetsmatt import Views, measure_value, rounded, year_forecast
from adapters.errors import UserError
from adapters.eventstore.stamp import data_through
from adapters.eventstore.store import Store
from adapters.projection.replay import registered_by
from adapters.reports.request import Report
from domain.budget import BudgetRow, year_span

DEFAULT_CUTOFFS = ("04-30", "08-31")  # the delårsrapport's two moments: tertial 1 and delår
NEAREST = 10  # years searched for a budget whose rows the backtest borrows
_CUTOFF = re.compile(r"(\d\d)-(\d\d)")


def cutoff_day(year: int, text: str) -> date:
    match = _CUTOFF.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        return date(year, int(match[1]), int(match[2]))
    except ValueError:
        raise UserError(f"--cutoff {text}: not a day MM-DD of {year}") from None


def backtest(store: Store, year: int, cutoffs: list[str], today: date, zone: tzinfo) -> Report:
    if year >= today.year:
        raise UserError(f"--year {year}: a backtest needs a finished year (before {today.year})")
    days = sorted({cutoff_day(year, text) for text in cutoffs or DEFAULT_CUTOFFS})
    rows_from, rows = _rows(store, year)
    now = Views(store)
    start, end = year_span(year)
    outcomes = {row.row: measure_value(now.total(row, start, end), row.measure) for row in rows}
    results = []
    for day in days:
        known = Views(store, registered_by(datetime.combine(day, time.max, tzinfo=zone)))
        results.append(_cutoff(known, rows, day, outcomes))
    return {
        "report": "forecast_backtest",
        "year": year,
        "rows_from_budget": rows_from,
        "known_by": "recorded_at",
        "data_through": data_through(store, None),
        "cutoffs": results,
        "mean_abs_error_pct": _mean_errors([r for c in results for r in c["rows"]]),
    }


def _rows(store: Store, year: int) -> tuple[int, list[BudgetRow]]:
    """The year's own budget rows; for a year without a budget, the rows (measures and
    filters) of the nearest year that has one, later years first."""
    for distance in range(NEAREST + 1):
        for other in (year + distance, year - distance):
            budget = load_budget(store, other)
            if budget is not None:
                return other, [replace(row, year=year) for row in budget.budget_rows()]
    raise UserError(
        f"no budget within {NEAREST} years of {year}: the backtest takes its rows from one"
    )


def _cutoff(
    known: Views, rows: list[BudgetRow], day: date, outcomes: dict[str, Decimal | None]
) -> dict[str, Any]:
    out = []
    for row in rows:
        computed, run = year_forecast(known, row, day)
        outcome = outcomes[row.row]
        if computed is None or run is None or outcome is None:
            continue  # shares and medians have no forecast
        out.append(
            {
                "row": row.row,
                "label": row.label,
                "kind": row.kind,
                "measure": row.measure,
                "outcome": rounded(outcome),
                "forecast": rounded(computed),
                "forecast_run_rate": rounded(run),
                "error": rounded(computed - outcome),
                "error_pct": _pct(computed - outcome, outcome),
                "run_rate_error": rounded(run - outcome),
                "run_rate_error_pct": _pct(run - outcome, outcome),
            }
        )
    return {"cutoff": day.isoformat(), "rows": out, "mean_abs_error_pct": _mean_errors(out)}


def _mean_errors(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """The mean absolute percentage error of each method over the rows that have one."""
    means: dict[str, float | None] = {}
    for method, key in (("forecast", "error_pct"), ("run_rate", "run_rate_error_pct")):
        errors = [abs(r[key]) for r in rows if r[key] is not None]
        means[method] = round(sum(errors) / len(errors), 2) if errors else None
    return means


def _pct(error: Decimal, outcome: Decimal) -> float | None:
    return None if not outcome else float(round(error / outcome * 100, 2))
