"""Placement figures computed in SQL over the segment table, the same on both databases.

A segment holds days first..last (last NULL while open: in care to the period's end).
Its care days in a period are the overlap of the two day ranges."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select

from adapters.readmodels.placements import SqlPlacementView
from adapters.reports.request import (
    Cell,
    Group,
    Report,
    ReportKind,
    ReportRequest,
    build_report,
)
from adapters.reports.text_keys import bytewise
from domain.age_bands import OTHER, AgeBand
from domain.periods import Period
from projections.placement_measures import (
    DIMENSIONS,
    MEASURES,
    PlacementSums,
    empty_measures,
    placement_measures,
)

PLACEMENTS = ReportKind(
    "placements",
    MEASURES,
    DIMENSIONS,
    lambda period: empty_measures(period.days),
    "placement_key",
)


def placement_report(view: SqlPlacementView, request: ReportRequest) -> Report:
    with view.engine.connect() as conn:

        def query(period: Period, dims: list[str]) -> list[Group]:
            statement = _statement(view, period, dims, request.where, request.age_bands)
            groups: list[Group] = []
            for row in conn.execute(statement):
                m = row._mapping
                sums = PlacementSums(
                    care_days=int(m["care_days"]),
                    cost_ore=int(m["cost_ore"]),
                    started=int(m["started"]),
                    ended=int(m["ended"]),
                    active_on_last_day=int(m["active"]),
                    persons=int(m["persons"]),
                )
                values = {d: (bool(m[d]) if d == "unaccompanied" else m[d]) for d in dims}
                groups.append((values, placement_measures(sums, period.days)))
            return groups

        return build_report(request, query)


def _statement(
    view: SqlPlacementView,
    period: Period,
    dims: list[str],
    where: dict[str, list[Cell]],
    bands: tuple[AgeBand, ...],
) -> Any:
    s = view.tables.segment
    dialect = view.engine.dialect.name

    def column(dim: str) -> ColumnElement[Any]:
        if dim == "age_group" and bands:  # the municipality's own bands of the stored age
            whens = [(s.c.age.between(band.low, band.high), band.label) for band in bands]
            return case(*whens, else_=literal(OTHER)).label("age_group")
        return s.c[dim]

    first_of_period = literal(period.start.toordinal())
    last_of_period = literal(period.end.toordinal())
    last_in_care = func.coalesce(s.c.last_day, last_of_period)
    overlap = _least(last_in_care, last_of_period) - _greatest(s.c.first_day, first_of_period) + 1
    started = case(
        (and_(s.c.first_day == s.c.start_day, s.c.start_day >= first_of_period), 1), else_=0
    )
    ended = case((and_(s.c.last_day == s.c.end_day, s.c.end_day <= last_of_period), 1), else_=0)
    active = case((last_in_care >= last_of_period, 1), else_=0)
    columns = [column(d) for d in dims]
    statement = (
        select(
            *columns,
            func.sum(overlap).label("care_days"),
            func.sum(overlap * s.c.cost_ore).label("cost_ore"),
            func.sum(started).label("started"),
            func.sum(ended).label("ended"),
            func.sum(active).label("active"),
            func.count(func.distinct(bytewise(s.c.person, dialect))).label("persons"),
        )
        # In care on a day of the period: begun by its end, and ended in or after it or not
        # ended; written as two alternatives, each answered by its own index.
        .where(
            or_(
                and_(s.c.last_day >= first_of_period, s.c.first_day <= last_of_period),
                and_(s.c.last_day.is_(None), s.c.first_day <= last_of_period),
            )
        )
    )
    for dim, values in where.items():
        statement = statement.where(column(dim).in_(values))
    # Without grouping an aggregate always returns one row; keep "no data" as none.
    return statement.group_by(*columns) if columns else statement.having(func.count() > 0)


def _least(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a < b, a), else_=b)


def _greatest(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a > b, a), else_=b)
