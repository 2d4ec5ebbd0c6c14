"""Benefit household figures: the period's household-month rows are selected in SQL, each
joined to the composition in force that month (the household's era that holds it); the
measures are computed by projections.household_measures, the same on both databases."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Select, and_, func, or_, select

from adapters.errors import UserError
from adapters.readmodels.households import SqlHouseholdView
from adapters.reports.request import (
    Cell,
    Group,
    Report,
    ReportKind,
    ReportRequest,
    Row,
    build_report,
)
from domain.periods import Period
from projections.household_measures import (
    DIMENSIONS,
    MEASURES,
    dimension_value,
    household_measures,
)
from projections.households import MonthRow, month_row


def _empty(period: Period) -> Row:
    return household_measures([], _months(period), calendar_year=_calendar_year(period))


HOUSEHOLDS = ReportKind("households", MEASURES, DIMENSIONS, _empty, "household_key")


def household_report(
    view: SqlHouseholdView, request: ReportRequest, *, in_sql: bool = True
) -> Report:
    """`in_sql=False`: the composition of each month read from the state documents, as the
    reference the SQL join is tested against."""
    for period in request.periods:
        if not _whole_months(period):
            raise UserError(
                f"--period {period.label}: household figures are counted by whole months "
                "(the month the assistance is for); give months, e.g. 2023-01..2023-08"
            )
    with view.engine.connect() as conn:
        # The totals and the groups of a period are made from the same rows: fetched once
        # (fetching them and the households' compositions is most of a report's time).
        fetched: dict[Period, list[MonthRow]] = {}

        def query(period: Period, dims: list[str]) -> list[Group]:
            if period not in fetched:
                rows_of = _rows if in_sql else _rows_from_documents
                fetched[period] = rows_of(conn, view, period)
            groups: dict[tuple[Cell, ...], list[MonthRow]] = {}
            for row in fetched[period]:
                if all(dimension_value(row, d) in v for d, v in request.where.items()):
                    key = tuple(dimension_value(row, d) for d in dims)
                    groups.setdefault(key, []).append(row)
            months, year = _months(period), _calendar_year(period)
            return [
                (
                    dict(zip(dims, values, strict=True)),
                    household_measures(rows, months, calendar_year=year),
                )
                for values, rows in groups.items()
            ]

        return build_report(request, query)


def _nets(view: SqlHouseholdView, period: Period) -> Select[Any]:
    """Each household's net amount per month and kind in the period."""
    p = view.payment.c
    return (
        select(
            p.household_key,
            p.month,
            p.kind,
            func.sum(p.amount_ore - p.reversed_ore).label("net"),
        )
        .where(p.month >= period.start.toordinal(), p.month <= period.end.toordinal())
        .group_by(p.household_key, p.month, p.kind)
    )


def _rows(conn: Connection, view: SqlHouseholdView, period: Period) -> list[MonthRow]:
    """Each household's net amount per month and kind in the period, with the composition
    in force that month: the era of its household that holds the month."""
    nets = _nets(view, period).subquery("nets")
    n, e = nets.c, view.era.c
    statement = select(
        n.household_key,
        n.month,
        n.kind,
        n.net,
        e.children,
        e.newly_arrived,
        e.applicant,
        e.co_applicant,
    ).join(
        view.era,
        and_(
            e.household_key == n.household_key,
            e.first_month <= n.month,
            or_(e.last_month.is_(None), e.last_month >= n.month),
        ),
    )
    return [
        MonthRow(
            UUID(key), date.fromordinal(month), kind, int(net), children, bool(new), a, co
        )
        for key, month, kind, net, children, new, a, co in conn.execute(statement)
    ]


def _rows_from_documents(
    conn: Connection, view: SqlHouseholdView, period: Period
) -> list[MonthRow]:
    nets = conn.execute(_nets(view, period)).all()
    states = view.states(conn, {key for key, _, _, _ in nets})
    return [
        month_row(states[key], date.fromordinal(month), kind, int(net))
        for key, month, kind, net in nets
    ]


def _whole_months(period: Period) -> bool:
    after_end = date.fromordinal(period.end.toordinal() + 1)
    return period.start.day == 1 and after_end.day == 1


def _months(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def _calendar_year(period: Period) -> bool:
    year = period.start.year
    return (period.start, period.end) == (date(year, 1, 1), date(year, 12, 31))
