"""Benefit household figures, counted in SQL over the households' year rows (each month's
net of a year, beside the composition in force in those months): a row or two per
household and year, not a row per payment. The measures are made by
projections.household_measures from the sums, the same on both databases; the reference
reads the payments and the compositions' documents and counts in Python."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    Subquery,
    and_,
    cast,
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
from adapters.readmodels.households import NET_COLUMNS, SqlHouseholdView
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
from projections.household_records import ALL, BOTH, KIND, MonthRow, month_row


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


def _nets(view: SqlHouseholdView, period: Period) -> Select[Any]:
    """Each household's net amount per month and kind in the period, from its payments
    (the reference's: reports count the year rows)."""
    p = view.payment.c
    keys = [p.household_key, p.month, p.kind]
    return (
        select(*keys, integer_sum(p.amount_ore - p.reversed_ore).label("net"))
        .where(p.month >= period.start.toordinal(), p.month <= period.end.toordinal())
        .group_by(*keys)
    )


_COMPOSITION = ("applicant", "co_applicant", "children", "newly_arrived")


def _slots(
    view: SqlHouseholdView, period: Period, dims: list[str], where: dict[str, list[Cell]]
) -> tuple[list[ColumnElement[Any]], Subquery]:
    """The year rows that have a household-month in the period (each month's net in it, or
    NULL), and those nets. A report by kind or of some kinds reads the rows of each kind,
    any other the rows of all kinds together; of several kinds not grouped by kind, a
    household-month's kinds are summed first."""
    y = view.year.c
    kinds = where.get("kind")
    rows: Any = view.year
    # The years listed, not a range: the rows are versions, found by year, kind and until
    # which position each was current (in a range of years the databases read every
    # version of those years: 5x the report at 200 000 events on SQLite).
    conditions: list[ColumnElement[bool]] = [
        y.year.in_(range(period.start.year, period.end.year + 1))
    ]
    if "kind" in dims or kinds is not None:  # the scopes listed too, for the same reason
        conditions.append(y.scope.in_((KIND, BOTH)))
        if kinds is not None:
            conditions.append(y.kind.in_(kinds))
    else:
        conditions.append(y.scope.in_((ALL, BOTH)))
    if kinds is not None and len(kinds) > 1 and "kind" not in dims:
        keys = [y.household_key, y.year, y.first_month, *(y[c] for c in _COMPOSITION)]
        rows = (
            select(*keys, *(func.sum(y[n]).label(n) for n in NET_COLUMNS))
            .where(*conditions)
            .group_by(*keys)
            .subquery("kinds_summed")
        )
        conditions = []
    r = rows.c
    conditions.append(or_(*(net.is_not(None) for net in _nets_in(r, period))))
    conditions += [_dimension(r, d).in_(values) for d, values in where.items() if d != "kind"]
    slots = select(rows).where(*conditions).subquery("slots")
    return _nets_in(slots.c, period), slots


def _nets_in(r: Any, period: Period) -> list[ColumnElement[Any]]:
    """Each of a year row's months in the period: its net (NULL: no payment for it)."""
    first = period.start.year * 12 + period.start.month - 1
    last = period.end.year * 12 + period.end.month - 1
    nets: list[ColumnElement[Any]] = []
    for month, name in enumerate(NET_COLUMNS, start=1):
        if period.start.year == period.end.year:  # a year's columns, some of them
            if period.start.month <= month <= period.end.month:
                nets.append(r[name])
        else:
            nets.append(when(((r.year * 12 + (month - 1)).between(first, last), r[name])))
    return nets


def _added(terms: list[Any]) -> Any:
    """The SQL sum of the terms of one row (a statement's `+`, not an aggregate)."""
    return sum(terms[1:], terms[0])


def _dimension(r: Any, dim: str) -> ColumnElement[Any]:
    """A dimension's value on a year row: with_children is the row's children > 0."""
    column: ColumnElement[Any] = (r.children > 0).label(dim) if dim == "with_children" else r[dim]
    return column


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
    """household_measures' sums, made in SQL over the year rows with a household-month in
    the period: household-months per group, then what counts of them by household and by
    adult. `with_totals` (`dims` not empty, not kind): the totals too, as one more group
    with no values, counted over the same rows."""
    nets, slots = _slots(view, period, dims, where)
    s = slots.c
    months_of = [when((net > 0, 1), else_=0) for net in nets]
    columns = [
        *(_dimension(s, d) for d in dims),
        s.household_key,
        s.children,
        s.applicant,
        s.co_applicant,
        _added(months_of).label("counted"),
        _added([func.coalesce(net, 0) for net in nets]).label("net"),
    ]
    postgres = conn.dialect.name == "postgresql"
    if calendar_year:  # which months count, for the adults' long-term months
        if postgres:
            bits = [when((net > 0, 1 << n), else_=0) for n, net in enumerate(nets)]
            columns.append(_added(bits).label("mask"))
        else:
            columns += [flag.label(f"counts_{n}") for n, flag in enumerate(months_of)]
    rows = select(*columns).cte("year_rows")
    statement: Any = _sums(rows, dims, calendar_year, postgres).add_columns(
        literal(False).label("totals")
    )
    if with_totals:
        # Every group's dimension is a value of the row, so the rows are the totals' rows
        # too; the totals' row has no values (NULL) and says so.
        totals = _sums(rows, [], calendar_year, postgres, blank=dims)
        statement = union_all(statement, totals.add_columns(literal(True).label("totals")))
    found: list[Group] = []
    result = conn.execute(statement)
    # By position, not by name: explain's reports by household answer tens of thousands
    # of rows, and a row's mapping was a fifth of their time in Python.
    at = {name: n for n, name in enumerate(result.keys())}
    sums_at = [at[name] for name in _SUMS]
    dims_at = [(d, at[d], d in _FLAGS) for d in dims]
    totals_at = at["totals"]
    sums_of = itemgetter(*sums_at)
    # Fetched at once (row by row cost a fetch call each); the sums are integers or NULL
    # (none counted), and an int() of each was an eighth of explain's Python.
    for row in result.all():
        sums = HouseholdSums(*[value or 0 for value in sums_of(row)])
        values = (
            {}
            if row[totals_at]
            else {d: (bool(row[n]) if flag else row[n]) for d, n, flag in dims_at}
        )
        found.append((values, measures_of(sums, months, calendar_year=calendar_year)))
    return found


def _sums(
    rows: Any, dims: list[str], calendar_year: bool, postgres: bool, blank: Sequence[str] = ()
) -> Any:
    """The sums over the year rows by `dims`, one row per group; `blank`: dimensions
    answered as NULL (the totals beside the groups)."""
    s = rows.c
    keys = [s[d] for d in dims]
    counts = s.counted > 0
    groups = (
        select(
            *keys,
            integer_sum(s.counted).label("household_months"),
            cast(func.sum(s.net), BigInteger).label("net_ore"),  # NULL: no rows
            integer_sum(s.children * s.counted).label("children"),
        )
        .group_by(*keys)
        .subquery("groups")
    )
    carried = [s.mask] if calendar_year and postgres else []
    if calendar_year and not postgres:
        carried = [c for c in s if c.name.startswith("counts_")]
    adults = union_all(
        select(*keys, s.applicant.label("adult"), *carried).where(counts),
        select(*keys, s.co_applicant, *carried).where(counts, s.co_applicant.is_not(None)),
    ).subquery("adults")
    sums = [groups.c.household_months, groups.c.net_ore, groups.c.children]
    statement: Any = select(
        *(null().label(d) for d in blank), *(groups.c[d] for d in dims), *sums
    ).select_from(groups)
    if calendar_year:
        per_household = (
            select(*keys, integer_sum(s.counted).label("months"))
            .where(counts)
            .group_by(*keys, s.household_key)
            .subquery("per_household")
        )
        households = _long_term(per_household, dims, "households")
        people = _long_term(_per_adult(adults, dims, postgres), dims, "adults")
        statement = statement.add_columns(
            households.c.households, households.c.long_term_households
        ).outerjoin(households, _same(groups, households, dims))
        statement = statement.add_columns(people.c.adults, people.c.long_term_adults)
    else:
        # Only a calendar year counts long-term households and adults: any other period
        # needs its distinct adults alone, not each adult's months.
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
# HouseholdSums' fields, as the statements name them (NULL: none counted).
_SUMS = (
    "household_months",
    "net_ore",
    "children",
    "adults",
    "households",
    "long_term_households",
    "long_term_adults",
)


def _per_adult(adults: Subquery, dims: list[str], postgres: bool) -> Subquery:
    """Each adult's counted months of the year, each once (an adult can be in two
    household-months of one month: applicant in one, co-applicant in another): the months
    of the adult's rows together, a bit each (on SQLite, which has no bitwise aggregate,
    the greatest of each month's flag)."""
    a = adults.c
    if postgres:
        mask = func.bit_or(a.mask)
        months = _added([mask.op(">>")(n).op("&")(1) for n in range(12)])
    else:
        months = _added([func.max(a[f"counts_{n}"]) for n in range(12)])
    return (
        select(*(a[d] for d in dims), months.label("months"))
        .group_by(*(a[d] for d in dims), a.adult)
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
