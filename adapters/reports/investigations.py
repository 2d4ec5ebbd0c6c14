"""Investigation figures: counted in SQL per group (one pass over the cases that matter to
the period), and the closed cases' dates fetched for the median and the four-month rule,
which projections.investigation_measures computes the same on both databases. With the
municipality's own age bands the groups are not columns: those reports fetch the cases
and count them in Python, as the reference tests do."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, literal_column, or_, select, tuple_
from sqlalchemy import case as when

from adapters.readmodels.investigations import SqlInvestigationView, day_of
from adapters.reports.request import (
    Cell,
    Group,
    Report,
    ReportKind,
    ReportRequest,
    build_report,
    sharing_totals,
)
from adapters.reports.sums import integer_sum
from adapters.reports.text_keys import bytewise
from domain.age_bands import AgeBand, band_of
from domain.periods import Period
from domain.vocabulary import age_on
from projections.investigation_measures import (
    DIMENSIONS,
    MEASURES,
    CaseCounts,
    CaseRecord,
    closed_facts,
    empty_measures,
    investigation_measures,
    measures_of,
)

INVESTIGATIONS = ReportKind(
    "investigations", MEASURES, DIMENSIONS, lambda period: empty_measures(), "case_key"
)

_DAYS = ("reported_day", "assessed_day", "opened_day", "closed_day")


def investigation_report(
    view: SqlInvestigationView, request: ReportRequest, *, in_sql: bool = True
) -> Report:
    """`in_sql=False`: every report counted in Python from the case rows (the reference)."""
    with view.engine.connect() as conn:

        def counted(period: Period, dims: list[str], with_totals: bool) -> list[Group]:
            return _counted(conn, view, period, dims, request.where, with_totals=with_totals)

        # On PostgreSQL a period's totals and its groups are counted in one pass (GROUPING
        # SETS). Not by outcome: its groups count other cases.
        in_one = conn.dialect.name == "postgresql" and "outcome" not in request.group_by
        sql = sharing_totals(request, counted, shared=in_one)

        def query(period: Period, dims: list[str]) -> list[Group]:
            if in_sql and not request.age_bands:
                return sql(period, dims)
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


def _counted(
    conn: Connection,
    view: SqlInvestigationView,
    period: Period,
    dims: list[str],
    where: dict[str, list[Cell]],
    *,
    with_totals: bool = False,
) -> list[Group]:
    """Each group's counts in one statement, and its closed cases' opened and closed days
    in a second (few: the cases closed in the period). `with_totals` (PostgreSQL; `dims`
    not empty, not outcome): the totals too, as one more group with no values, from the
    same pass over the cases (GROUPING SETS): a year at a million events took 0.45 s as
    two statements and 0.33 s as one. GROUPING() tells the totals' row from a group whose
    values are NULL."""
    # As in the Python count: grouped by outcome, only the cases closed in the period
    # make groups; filtered by it, every case that matters to the period does.
    by_outcome = "outcome" in dims
    closed_only = by_outcome or "outcome" in where
    c = view.case.c
    columns = [c[d] for d in dims]
    relevant = _statement(view, period, where, by_outcome)
    counted = _per_person(relevant, c, dims, period, with_totals, conn.dialect.name)
    n = len(dims)
    counts: dict[tuple[Cell, ...], CaseCounts] = {}  # the totals' under ()
    for row in conn.execute(counted).all():  # at once, not a fetch call per row
        # Without groups (and for the totals' row) SQL answers a row even where no case
        # matters.
        if row[n]:
            figures = row[n + 1 : n + 1 + len(_COUNTED)]
            values = () if with_totals and row[-1] else tuple(row[:n])
            counts[values] = CaseCounts(**dict(zip(_COUNTED, figures, strict=True)))
    closed = _statement(view, period, where, True)
    if conn.dialect.name == "postgresql":
        _closed_counted(conn, closed, c, dims, counts, with_totals)
    else:
        for row in conn.execute(closed.with_only_columns(*columns, c.opened_day, c.closed_day)):
            facts = day_of(row[-2]), date.fromordinal(row[-1])
            closed_facts(counts[tuple(row[:n])], *facts)
            if with_totals:
                closed_facts(counts[()], *facts)  # a closed case counts in the totals too
    return [
        (
            dict(zip(dims, values, strict=True)) if values else {},  # (): the totals
            measures_of(group, closed_only=closed_only),
        )
        for values, group in counts.items()
    ]


def _closed_counted(
    conn: Connection,
    closed: Any,
    c: Any,
    dims: list[str],
    counts: dict[tuple[Cell, ...], CaseCounts],
    with_totals: bool,
) -> None:
    """PostgreSQL: each group's median duration and cases over four months, counted by the
    database rather than from every closed case's dates fetched (a year at ten million
    events closes 111 000 cases: fetched and counted in Python 355 ms, in SQL 128 ms).
    Four months on as add_months reckons them: PostgreSQL's `+ interval '4 months'` also
    clamps a day past the month's end to that end (31 October + 4 months = 28 or 29
    February). The median is percentile_cont's, the mean of the middle two for an even
    number of cases as statistics.median's; for an odd number, a whole number of days."""
    columns = [c[d] for d in dims]
    opened, ended = _date(c.opened_day), _date(c.closed_day)
    over = and_(c.opened_day.is_not(None), ended > opened + literal_column("INTERVAL '4 months'"))
    statement = closed.with_only_columns(
        *columns,
        func.count(c.opened_day),
        func.percentile_cont(0.5).within_group(c.closed_day - c.opened_day),
        func.count(when((over, 1))),
    )
    if with_totals:
        statement = statement.add_columns(func.grouping(*columns)).group_by(
            func.grouping_sets(tuple_(*columns), literal_column("()"))
        )
    elif columns:
        statement = statement.group_by(*columns)
    n = len(dims)
    for row in conn.execute(statement):
        values = () if with_totals and row[-1] else tuple(row[:n])
        durations, median, over_four = row[n : n + 3]
        if not durations:  # no closed case was opened: no median, none over four months
            continue  # (without groups SQL answers a row anyway)
        group = counts[values]
        group.counted_median = int(median) if durations % 2 else median
        group.closed_over_4_months = over_four


def _date(day: Any) -> Any:
    """A day's ordinal (1 = 1 January of year 1, as date.toordinal) as a PostgreSQL date."""
    return literal_column("DATE '0001-01-01'") + (day - 1)


def _per_person(
    relevant: Any, c: Any, dims: list[str], period: Period, with_totals: bool, dialect: str
) -> Any:
    """The groups' counts in two steps: per group and person first (the person's cases
    counted, and whether the person has a case reported, opened or closed in the period),
    then per group. A distinct count sorted every row of the period once per measure by
    its text key, compared by the database's collation; grouping by person is one hashing
    pass. With totals the persons are grouped once more without the group's values (a
    person in two groups is one person in the totals); GROUPING() marks those rows."""
    conditions = _conditions(c, period)
    columns = [c[d] for d in dims]
    person = bytewise(c.person, dialect)
    counted = [
        func.count(when((condition, 1))).label(name) for name, condition in conditions.items()
    ]
    inner = relevant.with_only_columns(*columns, person, func.count().label("cases"), *counted)
    if with_totals:
        inner = inner.add_columns(func.grouping(*columns).label("totals")).group_by(
            func.grouping_sets(tuple_(*columns, person), tuple_(person))
        )
    else:
        inner = inner.group_by(*columns, person)
    p = inner.subquery("per_person").c
    grouped = [p[d] for d in dims]
    measures = []
    for name in _COUNTED:
        if name in _PERSONS_OF:  # persons with at least one such case
            measures.append(func.count(when((p[_PERSONS_OF[name]] > 0, 1))))
        else:
            measures.append(integer_sum(p[name]))
    statement = select(*grouped, integer_sum(p.cases), *measures)
    if with_totals:
        return statement.add_columns(p.totals).group_by(p.totals, *grouped)
    return statement.group_by(*grouped)


# CaseCounts' counted fields, in the order a statement answers them.
_COUNTED = (
    "reported",
    "persons_reported",
    "assessed",
    "assessed_within_14_days",
    "opened",
    "persons_opened",
    "closed",
    "persons_closed",
    "ongoing_on_last_day",
)
# The distinct persons of CaseCounts, by the counted cases they are the persons of.
_PERSONS_OF = {
    "persons_reported": "reported",
    "persons_opened": "opened",
    "persons_closed": "closed",
}


def _conditions(c: Any, period: Period) -> dict[str, Any]:
    """When a case counts in each of CaseCounts' counted cases (not persons)."""

    def inside(column: Any) -> Any:
        return _inside(column, period)

    return {
        "reported": inside(c.reported_day),
        "assessed": inside(c.assessed_day),
        "assessed_within_14_days": and_(
            inside(c.assessed_day), c.assessed_day - c.reported_day <= 14
        ),
        "opened": inside(c.opened_day),
        "closed": inside(c.closed_day),
        "ongoing_on_last_day": _open_at_end(c, period),
    }


def _banded(row: Mapping[str, Any], bands: tuple[AgeBand, ...]) -> dict[str, Any]:
    """The row with its age group in the municipality's own bands: the age on the date the
    case was reported, as reports.md's age groups count it."""
    age = age_on(date.fromordinal(row["birth_day"]), date.fromordinal(row["reported_day"]))
    return {**row, "age_group": band_of(age, bands)}


def _statement(
    view: SqlInvestigationView, period: Period, where: dict[str, list[Cell]], closed_in: bool
) -> Any:
    c = view.case.c
    if closed_in:
        relevant = _inside(c.closed_day, period)
    else:
        sqlite = view.engine.dialect.name == "sqlite"
        relevant = or_(*(_inside(c[day], period) for day in _DAYS), _open_at_end(c, period, sqlite))
    statement = select(view.case).where(relevant)
    for dim, values in where.items():
        statement = statement.where(c[dim].in_(values))
    return statement


def _inside(column: Any, period: Period) -> Any:
    return and_(column >= period.start.toordinal(), column <= period.end.toordinal())


def _open_at_end(c: Any, period: Period, sqlite: bool = False) -> Any:
    """Opened by the period's last day and not closed by then: written as two conditions,
    closed later or not closed, which the indexes answer apart. `sqlite`: "closed later"
    is searched by its closing day, as PostgreSQL does by itself. SQLite searched it by
    `opened_day` (nearly every case or version opened before the end), and investigations
    as of a moment took 3-8x the live report at a million events; `+ 0` keeps SQLite from
    using an index on the opening day there."""
    last = period.end.toordinal()
    opened = c.opened_day + 0 if sqlite else c.opened_day
    return or_(
        and_(opened <= last, c.closed_day > last),
        and_(c.opened_day <= last, c.closed_day.is_(None)),
    )
