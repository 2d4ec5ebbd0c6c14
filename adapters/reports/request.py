"""The report contract of reports.md: request parsing and the JSON shape, for every kind.

A kind supplies its dimensions, its measures and a query that returns, for one period
and a list of dimensions, the measures of each group with data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from adapters.errors import UserError
from domain.age_bands import OTHER, AgeBand, InvalidAgeBands, parse_age_bands
from domain.errors import InvalidPeriod
from domain.periods import TIME_DIMENSIONS, Period, parse_period

# A report as reports.md's JSON gives it: a JSON object of nested JSON values (Any: the
# rows and totals are Rows, the rest strings and lists of them).
Report = dict[str, Any]
Cell = str | int | float | bool | None  # one value in a row: a dimension's or a measure's
Row = dict[str, Cell]
Group = tuple[Row, Row]  # (dimension values, measures)
Query = Callable[[Period, list[str]], list[Group]]
# A period's groups by the dimensions, and with `True` the totals' group too (no values).
Counted = Callable[[Period, list[str], bool], list[Group]]


@dataclass(frozen=True)
class ReportKind:
    name: str
    measures: tuple[str, ...]
    dimensions: dict[str, tuple[Cell, ...] | None]  # None: any value (e.g. provider)
    empty: Callable[[Period], Row]  # the measures of a period without data
    # A dimension the query also groups by, not offered to users: the aggregate's key, so
    # that `volym explain` can tell which placement, case or household moved a figure.
    key_dimension: str


@dataclass
class ReportRequest:
    kind: ReportKind
    periods: list[Period]
    by: list[str] = field(default_factory=list)
    where: dict[str, list[Cell]] = field(default_factory=dict)
    as_of: datetime | None = None
    age_bands: tuple[AgeBand, ...] = ()  # the municipality's own, in place of the age groups
    # The rows only, in any order: no totals counted, no rows sorted (explain's figures per
    # aggregate, which it reads by their keys).
    rows_only: bool = False

    @property
    def time_by(self) -> list[str]:
        return [d for d in self.by if d in TIME_DIMENSIONS]

    @property
    def group_by(self) -> list[str]:
        return [d for d in self.by if d not in TIME_DIMENSIONS]


def parse_request(
    kind: ReportKind,
    periods: Sequence[str],
    by: Sequence[str] = (),
    where: Sequence[str] = (),
    as_of: datetime | None = None,
    age_bands: str | None = None,
) -> ReportRequest:
    if not periods:
        raise UserError("give at least one --period, e.g. --period 2023-Q1")
    try:
        parsed = [parse_period(p) for p in periods]
    except InvalidPeriod as error:
        raise UserError(str(error)) from None
    bands = _age_bands(kind, age_bands)
    if bands:
        # The age_group dimension takes the chosen bands' labels as its values.
        labels = (*(band.label for band in bands), OTHER)
        kind = replace(kind, dimensions={**kind.dimensions, "age_group": labels})
    known = [*kind.dimensions, *TIME_DIMENSIONS]
    dims: list[str] = []
    for name in by:
        if name not in known:
            raise UserError(f"--by {name}: not a {kind.name} dimension; one of {', '.join(known)}")
        if name not in dims:
            dims.append(name)
    if bands and "age_group" not in dims:
        dims.append("age_group")  # bands asked for are rows
    return ReportRequest(kind, parsed, dims, parse_where(kind, where), as_of, bands)


def _age_bands(kind: ReportKind, text: str | None) -> tuple[AgeBand, ...]:
    if text is None:
        return ()
    if "age_group" not in kind.dimensions:
        raise UserError(f"--age-bands {text}: {kind.name} have no age to band")
    try:
        return parse_age_bands(text)
    except InvalidAgeBands as error:
        raise UserError(f"--age-bands {text}: {error}") from None


def parse_where(kind: ReportKind, where: Sequence[str]) -> dict[str, list[Cell]]:
    """DIM=VALUE clauses as filters, each checked against the kind's dimensions."""
    filters: dict[str, list[Cell]] = {}
    for clause in where:
        name, sep, raw = clause.partition("=")
        if not sep or name not in kind.dimensions:
            raise UserError(
                f"--where {clause}: write DIM=VALUE with DIM one of {', '.join(kind.dimensions)}"
            )
        filters.setdefault(name, []).append(_where_value(kind, name, raw))
    return filters


def _where_value(kind: ReportKind, name: str, raw: str) -> Cell:
    allowed = kind.dimensions[name]
    if allowed is None:
        return raw
    if allowed and isinstance(allowed[0], bool):
        if raw not in ("true", "false"):
            raise UserError(f"--where {name}={raw}: use true or false")
        return raw == "true"
    if raw not in allowed:
        names = ", ".join(str(value) for value in allowed)
        raise UserError(f"--where {name}={raw}: not a value of {name}; one of {names}")
    return raw


def build_report(request: ReportRequest, query: Query) -> Report:
    kind = request.kind
    rows: list[Row] = []
    totals: list[Row] = []
    # Once, not per row: explain's reports by aggregate have tens of thousands of rows.
    group_by, order = request.group_by, ["period", *request.by, *kind.measures]
    for period in request.periods:
        if not (request.rows_only and request.by):
            total_groups = query(period, [])
            total = total_groups[0][1] if total_groups else kind.empty(period)
            totals.append({"period": period.label, **total})
            if not request.by:
                rows.append({"period": period.label, **total})
                continue
        for sub in _sub_periods(period, request.time_by):
            labels = {dim: _time_label(sub, dim) for dim in request.time_by}
            groups = query(sub, group_by)
            if not request.rows_only:
                groups.sort(key=lambda g: _sort_key(kind, group_by, g[0]))
            for values, measures in groups:
                row: Row = {"period": period.label, **labels}
                row.update({dim: values[dim] for dim in group_by})
                row.update(measures)
                rows.append({k: row[k] for k in order})
    return {
        "report": kind.name,
        "as_of": request.as_of.isoformat() if request.as_of else None,
        "periods": [
            {
                "label": p.label,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "days": p.days,
            }
            for p in request.periods
        ],
        "by": list(request.by),
        "where": {k: v[0] if len(v) == 1 else v for k, v in request.where.items()},
        **({"age_bands": [band.label for band in request.age_bands]} if request.age_bands else {}),
        "rows": rows,
        "totals": totals,
    }


def sharing_totals(request: ReportRequest, count: Counted, *, shared: bool) -> Query:
    """build_report's query from `count`. When `shared` (the stream can) and the request has
    groups but no time dimension, a period's totals and its groups come from one count:
    build_report asks for the totals first, then for the same period's groups, which are
    kept from that answer."""
    if not (shared and request.group_by and not request.time_by and not request.rows_only):
        return lambda period, dims: count(period, dims, False)
    groups_of: dict[Period, list[Group]] = {}

    def query(period: Period, dims: list[str]) -> list[Group]:
        if not dims:
            found = count(period, request.group_by, True)
            groups_of[period] = [group for group in found if group[0]]
            return [group for group in found if not group[0]]  # the totals' one
        if period in groups_of:
            return groups_of.pop(period)
        return count(period, dims, False)

    return query


def _sub_periods(period: Period, time_by: list[str]) -> list[Period]:
    if not time_by:
        return [period]
    finest = min(time_by, key=TIME_DIMENSIONS.index)
    return list(period.split(finest))


def _time_label(sub: Period, dim: str) -> str:
    return next(iter(Period(sub.label, sub.start, sub.start).split(dim))).label


def _sort_key(kind: ReportKind, dims: list[str], values: Row) -> tuple[tuple[bool, str | int], ...]:
    key: list[tuple[bool, str | int]] = []
    for dim in dims:
        value = values[dim]
        order = kind.dimensions.get(dim)
        if order is None:
            key.append((value is None, str(value or "")))
        else:
            key.append((False, order.index(value) if value in order else len(order)))
    return tuple(key)
