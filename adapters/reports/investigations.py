"""Investigation figures: the cases that matter to a period are selected in SQL, the
measures computed by projections.investigation_measures (medians and the four-month rule
read the same on both databases that way)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select

from adapters.readmodels.investigations import SqlInvestigationView, day_of
from adapters.reports.request import (
    Cell,
    Group,
    Report,
    ReportKind,
    ReportRequest,
    build_report,
)
from domain.age_bands import AgeBand, band_of
from domain.periods import Period
from domain.vocabulary import age_on
from projections.investigation_measures import (
    DIMENSIONS,
    MEASURES,
    CaseRecord,
    empty_measures,
    investigation_measures,
)

INVESTIGATIONS = ReportKind(
    "investigations", MEASURES, DIMENSIONS, lambda period: empty_measures(), "case_key"
)

_DAYS = ("reported_day", "assessed_day", "opened_day", "closed_day")


def investigation_report(view: SqlInvestigationView, request: ReportRequest) -> Report:
    with view.engine.connect() as conn:

        def query(period: Period, dims: list[str]) -> list[Group]:
            by_outcome = "outcome" in dims
            # Outcome exists only for closed cases: filtered or grouped by it, only the
            # closing measures are defined.
            closed_only = by_outcome or "outcome" in request.where
            bands = request.age_bands
            sql_where = {k: v for k, v in request.where.items() if not (bands and k == "age_group")}
            wanted_bands = request.where.get("age_group") if bands else None
            groups: dict[tuple[Cell, ...], list[CaseRecord]] = {}
            for row in conn.execute(_statement(view, period, sql_where, by_outcome)):
                m: Mapping[Any, Any] = row._mapping
                if bands:
                    m = _banded(m, bands)
                    if wanted_bands is not None and m["age_group"] not in wanted_bands:
                        continue
                case = CaseRecord(
                    m["person"],
                    date.fromordinal(m["reported_day"]),
                    day_of(m["assessed_day"]),
                    day_of(m["opened_day"]),
                    day_of(m["closed_day"]),
                    m["outcome"],
                )
                groups.setdefault(tuple(m[d] for d in dims), []).append(case)
            return [
                (
                    dict(zip(dims, values, strict=True)),
                    investigation_measures(
                        cases, period.start, period.end, closed_only=closed_only
                    ),
                )
                for values, cases in groups.items()
            ]

        return build_report(request, query)


def _banded(row: Mapping[str, Any], bands: tuple[AgeBand, ...]) -> dict[str, Any]:
    """The row with its age group in the municipality's own bands: the age on the date the
    case was reported, as reports.md's age groups count it."""
    age = age_on(date.fromordinal(row["birth_day"]), date.fromordinal(row["reported_day"]))
    return {**row, "age_group": band_of(age, bands)}


def _statement(
    view: SqlInvestigationView, period: Period, where: dict[str, list[Cell]], closed_in: bool
) -> Any:
    c = view.case.c
    first, last = period.start.toordinal(), period.end.toordinal()

    def inside(column: Any) -> Any:
        return and_(column >= first, column <= last)

    if closed_in:
        relevant = inside(c.closed_day)
    else:
        ongoing = and_(c.opened_day <= last, or_(c.closed_day.is_(None), c.closed_day > last))
        relevant = or_(*(inside(c[day]) for day in _DAYS), ongoing)
    statement = select(view.case).where(relevant)
    for dim, values in where.items():
        statement = statement.where(c[dim].in_(values))
    return statement
