"""Use cases of budget.md: import the budget file, show a budget year, override a
forecast (and take it back), and the verksamhetsmått report."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.application.reading import LOCAL_ZONE, local_moment
from adapters.budget.backtest import backtest as _backtest
from adapters.budget.file import read_budget_file, swedish_decimal
from adapters.budget.ledger import budget_rows, change_budget, import_budget
from adapters.budget.verksamhetsmatt import verksamhetsmatt as _verksamhetsmatt
from adapters.errors import UserError
from adapters.eventstore.store import Store
from adapters.projection.projector import projectors
from adapters.streams import STREAMS
from domain.budget import deviation_sense, month_budgets, period_budget, year_span


def import_budget_file(store: Store, path: Path, by: str) -> dict[int, str]:
    """Every row of the file checked before anything is stored; then each year stored as
    an import or a revision ('unchanged' when the same file was imported before)."""
    kinds = {stream.report_kind.name: stream.report_kind for stream in STREAMS}
    rows, digest = read_budget_file(path, kinds)
    done = import_budget(store, rows, digest, by)
    _projections_past_it(store)
    return done


def _projections_past_it(store: Store) -> None:
    """A budget event is no projection's, but each projection's position should pass it,
    or reports would say they are behind (as an ingest does; reads never write)."""
    for projector in projectors(store, STREAMS).values():
        projector.catch_up()


def show_budget(store: Store, year: int, as_of: datetime | None = None) -> dict[str, Any]:
    as_of = local_moment(as_of)
    budget = budget_rows(store, year, as_of)
    start, end = year_span(year)
    rows = []
    for row in budget.budget_rows():
        rows.append(
            {
                "row": row.row,
                "label": row.label,
                "kind": row.kind,
                "measure": row.measure,
                "where": {dim: list(values) for dim, values in row.where},
                "budget": float(period_budget(row, start, end)),
                "months": [float(round(m, 4)) for m in month_budgets(row)],
                "deviation_sense": deviation_sense(row.measure),
                "forecast_override": budget.overrides.get(row.row),
            }
        )
    return {
        "report": "budget",
        "year": year,
        "as_of": as_of.isoformat() if as_of else None,
        "imported_by": budget.imported_by,
        "file_digest": budget.digest,
        "revision": budget.version,
        "rows": rows,
    }


def set_forecast(store: Store, year: int, row: str, value: str, reason: str, by: str) -> None:
    number = swedish_decimal(value)
    if number is None:
        raise UserError(f"--value {value}: not a number")
    change_budget(store, year, lambda budget: budget.override(row, number, reason, by))
    _projections_past_it(store)


def clear_forecast(store: Store, year: int, row: str, by: str) -> None:
    change_budget(store, year, lambda budget: budget.clear_override(row, by))
    _projections_past_it(store)


def verksamhetsmatt(
    store: Store, period: str, year: int | None = None, as_of: datetime | None = None
) -> dict[str, Any]:
    return _verksamhetsmatt(store, period, year, local_moment(as_of))


def backtest(store: Store, year: int, cutoffs: list[str]) -> dict[str, Any]:
    """The forecast both ways at each cut-off of a finished year, against its outcome."""
    return _backtest(store, year, cutoffs, datetime.now(LOCAL_ZONE).date(), LOCAL_ZONE)
