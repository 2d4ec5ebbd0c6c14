"""Benefit household figures: the period's household-month rows are selected in SQL, each
joined to the composition in force that month (the household's era that holds it); the
measures are computed by projections.household_measures, the same on both databases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Subquery,
    and_,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy import case as when

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
    sharing_totals,
)
from adapters.reports.sums import integer_sum
from domain.periods import Period
from projections.household_measures import (
    DIMENSIONS,
    LONG_TERM_MONTHS,
    MEASURES,
    HouseholdSums,
    dimension_value,
    household_measures,
    measures_of,
)
from projections.household_records import MonthRow, month_row


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
        # The reference's totals and groups of a period are made from the same rows:
        # fetched once (reading the households' documents is most of its time).
        fetched: dict[Period, list[MonthRow]] = {}

        def summed(period: Period, dims: list[str], with_totals: bool) -> list[Group]:
            months, year = _months(period), _calendar_year(period)
            return _summed(
                conn, view, period, dims, request.where, months, year, with_totals=with_totals
            )

        # A period's totals and its groups are counted over the same slots in one
        # statement. Not by kind: a household-month's kinds are not the household-month.
        sql = sharing_totals(request, summed, shared="kind" not in request.group_by)

        def query(period: Period, dims: list[str]) -> list[Group]:
            if in_sql:
                return sql(period, dims)
            months, year = _months(period), _calendar_year(period)
            if period not in fetched:
                fetched[period] = _rows_from_documents(conn, view, period)
            groups: dict[tuple[Cell, ...], list[MonthRow]] = {}
            for row in fetched[period]:
                if all(dimension_value(row, d) in v for d, v in request.where.items()):
                    key = tuple(dimension_value(row, d) for d in dims)
                    groups.setdefault(key, []).append(row)
            return [
                (
                    dict(zip(dims, values, strict=True)),
                    household_measures(rows, months, calendar_year=year),
                )
                for values, rows in groups.items()
            ]

        return build_report(request, query)


def _nets(view: SqlHouseholdView, period: Period, *, by_kind: bool = True) -> Select[Any]:
    """Each household's net amount per month (and kind) in the period."""
    p = view.payment.c
    keys = [p.household_key, p.month, *([p.kind] if by_kind else [])]
    return (
        select(*keys, integer_sum(p.amount_ore - p.reversed_ore).label("net"))
        .where(p.month >= period.start.toordinal(), p.month <= period.end.toordinal())
        .group_by(*keys)
    )


def _month_rows(view: SqlHouseholdView, period: Period, *, by_kind: bool) -> Subquery:
    """Each household's net amount per month (and kind) in the period, with the
    composition in force that month: the era of its household that holds the month."""
    nets = _nets(view, period, by_kind=by_kind).subquery("nets")
    n, e = nets.c, view.era.c
    return (
        select(
            n.household_key,
            n.month,
            *([n.kind] if by_kind else []),
            n.net,
            e.children,
            e.newly_arrived,
            (e.children > 0).label("with_children"),
            e.applicant,
            e.co_applicant,
        )
        .join(
            view.era,
            and_(
                e.household_key == n.household_key,
                e.first_month <= n.month,
                or_(e.last_month.is_(None), e.last_month >= n.month),
            ),
        )
        .subquery("month_rows")
    )


def _summed(
    conn: Connection,
    view: SqlHouseholdView,
    period: Period,
    dims: list[str],
    where: dict[str, list[Cell]],
    months: int,
    calendar_year: bool,
    *,
    with_totals: bool = False,
) -> list[Group]:
    """household_measures' sums, made in SQL: household-months (slots) per group, then
    what counts of them, by group, by household and by adult. `with_totals` (`dims` not
    empty, not kind): the totals too, as one more group with no values, counted over the
    same slots: the slots (the nets and their join to the eras) are most of a statement,
    and they were made twice, once for the totals and once for the groups."""
    # Kinds matter only when a report groups or filters by them; otherwise the payments are
    # summed per household-month at once, and each such row is a slot as it is (3 M events,
    # households year totals: the slots' regrouping was a fifth of the statement).
    by_kind = "kind" in dims or "kind" in where
    r = _month_rows(view, period, by_kind=by_kind).c
    rows = select(*r).where(*(r[d].in_(values) for d, values in where.items())).subquery("rows")
    g = rows.c
    if by_kind:
        slots = (
            select(
                *(g[d] for d in dims),
                g.household_key,
                g.month,
                integer_sum(g.net).label("net"),
                # The composition is the same for every kind of one household-month.
                func.max(g.children).label("children"),
                func.max(g.applicant).label("applicant"),
                func.max(g.co_applicant).label("co_applicant"),
            )
            .group_by(*(g[d] for d in dims), g.household_key, g.month)
            .cte("slots")
        )
    else:
        slots = select(
            *(g[d] for d in dims),
            g.household_key,
            g.month,
            g.net,
            g.children,
            g.applicant,
            g.co_applicant,
        ).cte("slots")
    statement: Any = _sums(slots, dims, calendar_year).add_columns(literal(False).label("totals"))
    if with_totals:
        # Every group's dimension is a value of the household-month, so the slots are the
        # totals' slots too; the totals' row has no values (NULL) and says so.
        totals = _sums(slots, [], calendar_year, blank=dims)
        statement = union_all(statement, totals.add_columns(literal(True).label("totals")))
    found: list[Group] = []
    for row in conn.execute(statement):
        m = row._mapping
        sums = HouseholdSums(
            household_months=int(m["household_months"]),
            net_ore=int(m["net_ore"]),
            children=int(m["children"]),
            adults=int(m["adults"] or 0),
            households=int(m["households"] or 0),
            long_term_households=int(m["long_term_households"] or 0),
            long_term_adults=int(m["long_term_adults"] or 0),
        )
        values = {} if m["totals"] else {d: (bool(m[d]) if d in _FLAGS else m[d]) for d in dims}
        found.append((values, measures_of(sums, months, calendar_year=calendar_year)))
    return found


def _sums(slots: Any, dims: list[str], calendar_year: bool, blank: Sequence[str] = ()) -> Any:
    """The sums over the slots by `dims`, one row per group; `blank`: dimensions answered
    as NULL (the totals beside the groups)."""
    s = slots.c
    counts = s.net > 0
    groups = (
        select(
            *(s[d] for d in dims),
            func.count(when((counts, 1))).label("household_months"),
            func.sum(s.net).label("net_ore"),
            func.sum(when((counts, s.children), else_=0)).label("children"),
        )
        .group_by(*(s[d] for d in dims))
        .subquery("groups")
    )
    adults = union_all(
        select(*(s[d] for d in dims), s.applicant.label("adult"), s.month).where(counts),
        select(*(s[d] for d in dims), s.co_applicant, s.month).where(
            counts, s.co_applicant.is_not(None)
        ),
    ).subquery("adults")
    sums = [groups.c.household_months, groups.c.net_ore, groups.c.children]
    statement: Any = select(
        *(null().label(d) for d in blank), *(groups.c[d] for d in dims), *sums
    ).select_from(groups)
    if calendar_year:
        per_household = (
            select(*(s[d] for d in dims), func.count().label("months"))
            .where(counts)
            .group_by(*(s[d] for d in dims), s.household_key)
            .subquery("per_household")
        )
        households = _long_term(per_household, dims, "households")
        people = _long_term(_per_adult(adults, dims), dims, "adults")
        statement = statement.add_columns(
            households.c.households, households.c.long_term_households
        ).outerjoin(households, _same(groups, households, dims))
        statement = statement.add_columns(people.c.adults, people.c.long_term_adults)
    else:
        # Only a calendar year counts long-term households and adults: any other period
        # needs its distinct adults alone, not each adult's months (a step less over
        # every counted household-month).
        people = _distinct_adults(adults, dims)
        statement = statement.add_columns(
            people.c.adults,
            null().label("households"),
            null().label("long_term_households"),
            null().label("long_term_adults"),
        )
    statement = statement.outerjoin(people, _same(groups, people, dims))
    if not dims:  # without groups an aggregate answers one row even where no row matters
        statement = statement.where(groups.c.net_ore.is_not(None))
    return statement


_FLAGS = ("newly_arrived", "with_children")  # 0 and 1 on SQLite


def _per_adult(adults: Subquery, dims: list[str]) -> Subquery:
    """Each adult's counted months, each once (an adult can be in two household-months of
    one month: applicant in one, co-applicant in another), grouped rather than counted
    DISTINCT: a distinct count sorts the rows, a grouping can hash them."""
    a = adults.c
    adult_months = (
        select(*(a[d] for d in dims), a.adult)
        .group_by(*(a[d] for d in dims), a.adult, a.month)
        .subquery("adult_months")
    )
    am = adult_months.c
    return (
        select(*(am[d] for d in dims), func.count().label("months"))
        .select_from(adult_months)
        .group_by(*(am[d] for d in dims), am.adult)
        .subquery("per_adult")
    )


def _distinct_adults(adults: Subquery, dims: list[str]) -> Subquery:
    """Per group: how many adults have months that count."""
    a = adults.c
    per_adult = (
        select(*(a[d] for d in dims), a.adult)
        .group_by(*(a[d] for d in dims), a.adult)
        .subquery("per_adult")
    )
    p = per_adult.c
    return (
        select(*(p[d] for d in dims), func.count().label("adults"))
        .select_from(per_adult)
        .group_by(*(p[d] for d in dims))
        .subquery("adults_counted")
    )


def _long_term(per: Subquery, dims: list[str], name: str) -> Subquery:
    """Per group: how many households (or adults) have months that count, and how many
    have LONG_TERM_MONTHS of them or more."""
    p = per.c
    return (
        select(
            *(p[d] for d in dims),
            func.count().label(name),
            func.count(when((p.months >= LONG_TERM_MONTHS, 1))).label(f"long_term_{name}"),
        )
        .group_by(*(p[d] for d in dims))
        .subquery(name)
    )


def _same(left: Subquery, right: Subquery, dims: list[str]) -> ColumnElement[bool]:
    if not dims:
        return true()
    return and_(*(left.c[d] == right.c[d] for d in dims))


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
