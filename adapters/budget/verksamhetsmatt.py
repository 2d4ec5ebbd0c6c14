"""The verksamhetsmått report of budget.md: for each budget row, the outcome beside last
year's, the period's budget, the deviation, the forecast for the year (computed, run-rate
and any override) and the year's budget. Outcomes are the reports' own figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import DomainEvent

from adapters.budget.ledger import budget_rows
from adapters.budget.placement_facts import placement_facts
from adapters.errors import UserError
from adapters.eventstore.stamp import data_through
from adapters.eventstore.store import Store
from adapters.projection.projector import Projector
from adapters.projection.replay import view_as_of, view_from_log
from adapters.reports.request import Report, parse_request
from adapters.streams import stream_named
from domain.budget import (
    SUMS,
    BudgetRow,
    deviation,
    deviation_sense,
    one_year_earlier,
    period_budget,
    year_span,
)
from domain.errors import InvalidPeriod
from domain.forecast import (
    Expected,
    continuing,
    newcomers,
    run_rate,
    scaled_to_year,
    stay_forecast,
    three_month_forecast,
)
from domain.periods import Period, month_end, parse_period

PLACES = 2  # decimals in the JSON


@dataclass
class Views:
    """One view per kind, made once for all rows (as of a moment: the read model's
    versions then, as reports read them; from the events `keep` accepts: one replay each;
    without either, the live read model), and
    each report asked once: rows of the same kind and filter (places, care days and cost
    of one care form) share it, as the outcome to C and the forecast's outcome to C do
    when the period starts on 1 January."""

    store: Store
    keep: Callable[[DomainEvent], bool] | None = None
    as_of: datetime | None = None
    made: dict[str, Any] = field(default_factory=dict)
    reports: dict[tuple[Any, ...], Report] = field(default_factory=dict)

    def of(self, kind: str) -> Any:
        if kind not in self.made:
            stream = stream_named(kind)
            if self.as_of is not None:
                self.made[kind] = view_as_of(self.store, stream, self.as_of)
            elif self.keep is not None:
                self.made[kind] = view_from_log(self.store, stream, keep=self.keep)
            else:
                self.made[kind] = Projector(self.store, stream).readable_view()
        return self.made[kind]

    def total(self, row: BudgetRow, start: date, end: date, by: list[str] | None = None) -> Any:
        asked = (row.kind, row.where, start, end, tuple(by or ()))
        report = self.reports.get(asked)
        if report is None:
            stream = stream_named(row.kind)
            request = parse_request(
                stream.report_kind, [f"{start}..{end}"], by or [], _where_clauses(row)
            )
            report = self.reports[asked] = stream.report(self.of(row.kind), request)
        return report if by else report["totals"][0]


def _where_clauses(row: BudgetRow) -> list[str]:
    return [f"{dim}={value}" for dim, values in row.where for value in values]


def verksamhetsmatt_period(text: str) -> Period:
    try:
        period = parse_period(text)
    except InvalidPeriod as error:
        raise UserError(str(error)) from None
    if period.start.year != period.end.year:
        raise UserError(f"--period {text}: a verksamhetsmått period lies inside one year")
    return period


def verksamhetsmatt(
    store: Store, period_text: str, year: int | None = None, as_of: datetime | None = None
) -> Report:
    period = verksamhetsmatt_period(period_text)
    year = year or period.start.year
    if year != period.start.year:
        raise UserError(f"--period {period_text} does not lie inside the budget year {year}")
    budget = budget_rows(store, year, as_of)
    views = Views(store, as_of=as_of)
    rows = [_row(views, row, period, budget.overrides.get(row.row)) for row in budget.budget_rows()]
    _split_volume_and_price(rows)
    return {
        "report": "verksamhetsmatt",
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "days": period.days,
        },
        "year": year,
        "as_of": as_of.isoformat() if as_of else None,
        "data_through": data_through(store, as_of),
        "rows": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows],
    }


def _row(
    views: Views, row: BudgetRow, period: Period, override: dict[str, str] | None
) -> dict[str, Any]:
    start, end = period.start, period.end
    outcome = measure_value(views.total(row, start, end), row.measure)
    before = measure_value(
        views.total(row, one_year_earlier(start), one_year_earlier(end)), row.measure
    )
    budget = period_budget(row, start, end)
    year_budget = period_budget(row, *year_span(row.year))
    computed, run = year_forecast(views, row, end)
    forecast = Decimal(override["value"]) if override else computed
    sense = deviation_sense(row.measure)
    return {
        "row": row.row,
        "label": row.label,
        "kind": row.kind,
        "measure": row.measure,
        "where": {dim: list(values) for dim, values in row.where},
        "outcome_previous_year": rounded(before),
        "outcome": rounded(outcome),
        "budget": rounded(budget),
        "deviation": rounded(deviation(row.measure, outcome, budget))
        if outcome is not None
        else None,
        "deviation_sense": sense,
        "forecast": rounded(forecast),
        "forecast_computed": rounded(computed),
        "forecast_run_rate": rounded(run),
        "forecast_override": (
            {"value": rounded(Decimal(override["value"])), "reason": override["reason"]}
            if override
            else None
        ),
        "budget_year": rounded(year_budget),
        "deviation_year": rounded(deviation(row.measure, forecast, year_budget))
        if forecast is not None
        else None,
        "volume_part": None,
        "price_part": None,
        "_row": row,
        "_outcome": outcome,
        "_budget": budget,
    }


def measure_value(total: dict[str, Any], measure: str) -> Decimal | None:
    value = total.get(measure)
    return None if value is None else Decimal(str(value))


def rounded(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, PLACES))


# --- forecasts ----------------------------------------------------------------------


def year_forecast(
    views: Views, row: BudgetRow, cutoff: date
) -> tuple[Decimal | None, Decimal | None]:
    """(computed, run-rate) for the whole budget year, from what is known on C."""
    if cutoff.year != row.year:
        return None, None
    if row.kind == "placements":
        return _placement_forecast(views, row, cutoff)
    if row.kind == "households":
        return _household_forecast(views, row, cutoff)
    so_far = measure_value(views.total(row, date(row.year, 1, 1), cutoff), row.measure)
    if so_far is None or row.measure not in SUMS:
        return None, None
    scaled = Decimal(str(scaled_to_year(float(so_far), cutoff)))
    return scaled, scaled


def _placement_forecast(views: Views, row: BudgetRow, cutoff: date) -> tuple[Decimal, Decimal]:
    year_start, year_end = year_span(row.year)
    so_far = views.total(row, year_start, cutoff)
    facts = placement_facts(views.of("placements"), cutoff, dict(row.where))
    expected = Expected()
    steady = Expected()
    for group, placements in facts.in_care.items():
        for placement in placements:
            expected += continuing(placement, cutoff, year_end, facts.survival[group])
        steady += run_rate(placements, cutoff, year_end)
    for group, rate in facts.daily_rate.items():
        expected += newcomers(rate, facts.new_cost[group], cutoff, year_end, facts.survival[group])
    year_days = (year_end - year_start).days + 1
    return (
        _placement_measure(row.measure, so_far, expected, year_days),
        _placement_measure(row.measure, so_far, steady, year_days),
    )


def _placement_measure(
    measure: str, so_far: dict[str, Any], rest: Expected, year_days: int
) -> Decimal:
    care_days = Decimal(so_far["care_days"]) + Decimal(str(rest.care_days))
    cost = Decimal(str(so_far["cost"])) + Decimal(str(rest.cost))
    if measure == "care_days":
        return care_days
    if measure == "cost":
        return cost
    if measure == "average_placements":
        return care_days / year_days
    if measure == "cost_per_care_day":
        return cost / care_days if care_days else Decimal(0)
    if measure == "started":
        return Decimal(so_far["started"]) + Decimal(str(rest.started))
    return Decimal(so_far["ended"]) + Decimal(str(rest.ended))


def _household_forecast(
    views: Views, row: BudgetRow, cutoff: date
) -> tuple[Decimal | None, Decimal | None]:
    """Months up to and including C's month, then the mean of the last three (the
    run-rate: C's month) for each month after it."""
    report = views.total(
        row, date(row.year, 1, 1), month_end(cutoff.year, cutoff.month), by=["month"]
    )
    by_month: dict[str, dict[str, Any]] = {r["month"]: r for r in report["rows"]}
    labels = [f"{row.year}-{m:02d}" for m in range(1, cutoff.month + 1)]

    def series(measure: str) -> list[float]:
        return [float(by_month.get(label, {}).get(measure) or 0) for label in labels]

    months = series("household_months")
    amounts = series("amount")
    results = []
    for method in (three_month_forecast, stay_forecast):
        year_months, year_amount = method(months), method(amounts)
        value = {
            "household_months": year_months,
            "amount": year_amount,
            "households_avg_per_month": year_months / 12,
            "cost_per_household": year_amount / year_months if year_months else 0.0,
        }.get(row.measure)
        results.append(None if value is None else Decimal(str(value)))
    return results[0], results[1]


# --- volume and price ---------------------------------------------------------------


def _split_volume_and_price(rows: list[dict[str, Any]]) -> None:
    """For a cost row with a care-days partner of the same filter (amount: household
    months): the cost deviation as volume part + price part, adding up exactly."""
    partners = {"cost": "care_days", "amount": "household_months"}
    for row in rows:
        budget_row: BudgetRow = row["_row"]
        wanted = partners.get(budget_row.measure)
        if wanted is None:
            continue
        partner = next(
            (
                r
                for r in rows
                if r["_row"].measure == wanted
                and r["_row"].kind == budget_row.kind
                and r["_row"].where == budget_row.where
            ),
            None,
        )
        if partner is None or row["_outcome"] is None or partner["_outcome"] is None:
            continue
        budget_volume, outcome_volume = partner["_budget"], partner["_outcome"]
        if not budget_volume or not outcome_volume:
            continue
        budget_price = row["_budget"] / budget_volume
        volume = (budget_volume - outcome_volume) * budget_price
        total = deviation(budget_row.measure, row["_outcome"], row["_budget"])
        row["volume_part"] = rounded(volume)
        # The price part, (budget price - outcome price) x outcome volume, is the rest:
        # computed so, the two add up exactly as shown.
        row["price_part"] = rounded(Decimal(str(rounded(total))) - Decimal(str(rounded(volume))))
