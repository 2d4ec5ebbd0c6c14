"""System-versioned read-model rows: beside each table that reports read, a history table
holding every version of its rows with the log positions between which it was current
(`valid_from` <= position < `valid_to`; `valid_to` NULL while current). A report as of a
position reads the rows current then, exactly as the live table held them.

Versions are kept at the ends of commits (adapters.eventstore.moments): the states a
report could have shown. A version replaces a *unit* of rows: all of one aggregate's rows
(a placement's segments, a household's composition) or one row alone (a payment), named
by the rows' leading key columns. A write closes the open version of each unit it
replaces, in the same transaction as the live rows and the tracking record."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    Index,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    bindparam,
    func,
    literal_column,
    select,
)

from adapters.readmodels.bulk import insert_rows
from adapters.readmodels.fields import Field

VALID_FROM, VALID_TO = "valid_from", "valid_to"
# In a live index's info: after how many of its columns the versions' copy of it puts
# until which position a version was current (by default after all of them).
UNTIL_AFTER = "versions_until_after"
Unit = tuple[object, ...]
RowTuple = tuple[object, ...]
# One record's rows per history table: for each, the units it replaces and their rows.
VersionRows = list[list[tuple[Unit, list[RowTuple]]]]


@dataclass(frozen=True)
class History:
    """The versions of one live table. `unit`: how many leading columns name what a
    version replaces."""

    table: Table
    live: Sequence[Field]
    unit: int

    @property
    def unit_columns(self) -> list[str]:
        return [f.column for f in self.live[: self.unit]]

    def at(
        self, position: int, name: str, keys: Sequence[str] | None = None, dialect: str = ""
    ) -> Subquery:
        """The rows current at `position`, shaped as the live table (its columns); with
        `keys`, only those of these aggregates (hex keys, bound as one parameter however
        many: an array on PostgreSQL, a JSON array on SQLite)."""
        h = self.table.c
        statement = (
            select(*(h[f.column] for f in self.live))
            .where(h[VALID_FROM] <= position)
            .where(current_until(self.table) > position)
        )
        if keys is not None:
            # Joined to the keys rather than `IN` them: for `IN` PostgreSQL first makes the
            # keys distinct and guesses 200 of them, however many there are, so it looked
            # each one up by the primary key, reading every version of each (an explain's
            # 30 357 households at ten million events: 1.2 s). Joined, it counts them from
            # the array and finds the period's current rows by their own index instead
            # (0.38 s); for a few keys it still looks them up.
            listed = key_rows(keys, dialect)
            statement = statement.join(listed, h[self.live[0].column] == listed.c.key)
        return statement.subquery(name)

    def current(self, name: str) -> Subquery:
        """The rows current now, shaped as the live table, as `at` finds them: by the
        indexes' position of the current versions."""
        h = self.table.c
        statement = select(*(h[f.column] for f in self.live)).where(
            current_until(self.table) == _OPEN
        )
        return statement.subquery(name)


def key_rows(keys: Sequence[str], dialect: str) -> Subquery:
    """`keys`, each once, as a row source with one column, `key`, bound as one parameter
    however many: a text split by the server on PostgreSQL (the driver quoted each element
    of a list bound as an array with a regular expression: 25 ms for 5 400 keys), a JSON
    array on SQLite."""
    unique = list(dict.fromkeys(keys))  # each once: a key listed twice would double its rows
    listed: Select[Any]
    if dialect == "postgresql":
        joined = bindparam("keys", ",".join(unique), type_=String)
        listed = select(func.unnest(func.string_to_array(joined, ",")).label("key"))
    else:
        listed = select(literal_column("value").label("key")).select_from(
            func.json_each(bindparam("keys", json.dumps(unique)))
        )
    return listed.subquery("keys")


def one_of(column: ColumnElement[Any], keys: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """`column` among `keys`, as a set the database looks each key up from (by the
    table's primary key). On PostgreSQL `= ANY(array)` was a filter on a scan of every
    version: at a million events an explain's reports of 5 400 aggregates read all
    427 000 investigation versions, a number that grows with the log."""
    return column.in_(select(key_rows(keys, dialect).c.key).scalar_subquery())


def history_table(
    live: Table, fields: Sequence[Field], unit: int, metadata: MetaData | None = None
) -> History:
    """`live`'s history table in the same metadata (created and dropped with it), with the
    live table's indexes: a report as of a moment finds a period's rows as a live one
    does (with only the first day indexed, a year as of a moment read every version of
    every earlier year, 3-5x the live report at ten million events). `metadata`: the
    history's own, where `live` is only its template (no live table is kept: reports
    read the current versions)."""
    metadata = metadata if metadata is not None else live.metadata
    name = live.name.replace("_g", "_v_g", 1) if "_g" in live.name else live.name + "_v"
    columns = [
        Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable) for c in live.columns
    ]
    table = Table(
        name,
        metadata,
        *columns,
        Column(VALID_FROM, BigInteger, primary_key=True),
        Column(VALID_TO, BigInteger, nullable=True),
        sqlite_with_rowid=False,
    )
    for index in live.indexes:
        assert index.name is not None
        # With the positions, as `at` asks for them: a version not current at the moment
        # is passed over inside the index, without reading its row (measured at a million
        # events: a quarter as of a moment read 38 000 rows to keep 2 400; 24 -> 8 ms).
        # An index whose first column is asked to be NULL (the segments still open) may
        # say `info={UNTIL_AFTER: 1}`: `current_until` then comes second and bounds the
        # scan to the versions current after the moment. Behind the other columns, every
        # version ever open was read, a number that grows with the log (a placements
        # quarter as of a month ago 3.3-3.6x the live report at ten million events).
        # Not for every index: a case not closed is mostly one never opened, and by
        # (closed_day, until) those were read too (3 million events: 5 900 -> 430 000).
        keyed: list[ColumnElement[Any]] = [table.c[c.name] for c in index.columns]
        keyed.insert(index.info.get(UNTIL_AFTER, len(keyed)), current_until(table))
        Index(index.name.replace(live.name, name), *keyed, table.c[VALID_FROM])
    return History(table, fields, unit)


def statistics_ddl(history: History) -> list[str]:
    """PostgreSQL's extended statistics of a history table: for each column of its indexes
    that may be NULL (an open end: a placement's last day, a case not yet closed), how its
    values go with `current_until`. The planner otherwise takes the two as independent,
    and they are not: most versions with an open end were closed later, when the end came.
    Measured at a million events, a placements quarter as of a month ago: 16 480 rows
    estimated, 2 407 found, a sequential scan, 57 ms; with these statistics 2 050
    estimated, the indexes, 10 ms. Dropped with the table."""
    table = history.table
    nullable = {c.name for c in table.columns if c.nullable and c.name != VALID_TO}
    indexed = {c.name for index in table.indexes for c in index.columns}
    return [
        f"CREATE STATISTICS IF NOT EXISTS {table.name}_{column}_until (mcv) "
        f"ON {column}, (COALESCE({VALID_TO}, {_OPEN})) FROM {table.name}"
        for column in sorted(nullable & indexed)
    ]


# valid_to of a version still current: what `current_until` reads NULL as. Written into
# the SQL as it is (not bound), so that the databases match it to the indexes' expression.
_OPEN: ColumnElement[Any] = literal_column(str(2**63 - 1))


def current_until(table: Table) -> ColumnElement[Any]:
    """Until which position a version is current, the current ones at the end of time: one
    comparison, which an index answers (`valid_to IS NULL OR valid_to > p` is two, and
    the databases read every version's row to decide it)."""
    return func.coalesce(table.c[VALID_TO], _OPEN)


class Versions:
    """Versions gathered while a batch is folded: at each commit end, the rows of the
    records the commit touched, where they differ from the last version gathered."""

    def __init__(self, histories: Sequence[History], rows_of: Callable[[Any], VersionRows]) -> None:
        self.histories = histories
        self.rows_of = rows_of
        self.pending: list[dict[Unit, list[tuple[int, list[RowTuple]]]]] = [{} for _ in histories]
        self.closing: list[dict[Unit, int]] = [{} for _ in histories]
        self.size = 0  # versions gathered
        # Whether every unit's first version closes one in the tables (else only those of
        # records the tables held): a rebuild that wrote some out sets it.
        self.close_all = False
        # Commits the tables may hold provisional versions of (a batch of the log that
        # began inside one: the batch before ended there); none where batches are whole
        # commits (ingest's own writes).
        self.splits: set[int] = set()

    def snapshot(self, record: Any, commit: int) -> None:
        """`record` as it stands at the end of the commit `commit`."""
        persisted = self.close_all or bool(record.persisted)
        for index, units in enumerate(self.rows_of(record)):
            pending, closing = self.pending[index], self.closing[index]
            for unit, rows in units:
                versions = pending.get(unit)
                if versions is None:
                    self.size += 1
                    pending[unit] = [(commit, rows)]
                    if persisted:
                        closing[unit] = commit
                elif versions[-1][1] != rows:
                    if versions[-1][0] == commit:
                        versions[-1] = (commit, rows)
                    else:
                        self.size += 1
                        versions.append((commit, rows))

    def latest(self, index: int, unit: Unit) -> list[RowTuple] | None:
        """The rows of the last version gathered of `unit` (None: none gathered)."""
        versions = self.pending[index].get(unit)
        return versions[-1][1] if versions else None

    def take(self, index: int) -> Iterable[RowTuple]:
        """History table `index`'s rows, each with the positions it was current between."""
        for versions in self.pending[index].values():
            for n, (commit, rows) in enumerate(versions):
                until = versions[n + 1][0] if n + 1 < len(versions) else None
                for row in rows:
                    yield (*row, commit, until)

    def write(self, conn: Connection) -> None:
        for index, history in enumerate(self.histories):
            close_open(conn, history, list(self.closing[index].items()), self.splits)
            insert_rows(conn, history.table, list(self.take(index)))
        self.clear()

    def clear(self) -> None:
        self.pending = [{} for _ in self.histories]
        self.closing = [{} for _ in self.histories]
        self.size = 0
        self.splits = set()


def close_open(
    conn: Connection, history: History, closing: list[tuple[Unit, int]], splits: set[int]
) -> None:
    """Close each unit's current version at the commit its next version begins. A version
    that began at that same commit (only one of `splits` can be) is dropped instead: it was
    taken where a batch of the log ended inside the commit, and the commit's own end
    supersedes it."""
    if not closing:
        return
    if splits:
        _drop_provisional(conn, history, [(unit, at) for unit, at in closing if at in splits])
    _close(conn, history, closing)


def _drop_provisional(conn: Connection, history: History, closing: list[tuple[Unit, int]]) -> None:
    _each_open(
        conn,
        history,
        closing,
        "DELETE FROM {t} t USING {d} WHERE {match} AND t.valid_to IS NULL AND t.valid_from = d.at",
        "DELETE FROM {t} WHERE valid_from = ? AND {match} AND valid_to IS NULL",
    )


def _close(conn: Connection, history: History, closing: list[tuple[Unit, int]]) -> None:
    _each_open(
        conn,
        history,
        closing,
        "UPDATE {t} t SET valid_to = d.at FROM {d} WHERE {match} AND t.valid_to IS NULL",
        "UPDATE {t} SET valid_to = ? WHERE {match} AND valid_to IS NULL",
    )


def _each_open(
    conn: Connection,
    history: History,
    closing: list[tuple[Unit, int]],
    postgres: str,
    sqlite: str,
) -> None:
    """Run a statement on each unit's open version, with the unit's commit `at`: on
    PostgreSQL once, joined to all units as a row source `d`; on SQLite once per unit
    (its parameters: the commit, then the unit's key columns)."""
    if not closing:
        return
    name = history.table.name
    if conn.dialect.name == "postgresql":
        source, parameters, match = _unnested(conn, history, closing)
        conn.exec_driver_sql(postgres.format(t=name, d=source, match=match), parameters)
        return
    match = " AND ".join(f"{c} = ?" for c in history.unit_columns)
    conn.exec_driver_sql(
        sqlite.format(t=name, match=match), [(at, *unit) for unit, at in closing]
    )


def _unnested(
    conn: Connection, history: History, closing: list[tuple[Unit, int]]
) -> tuple[str, tuple[object, ...], str]:
    """The units and their commits as a PostgreSQL row source `d` (k0, k1.., at), its
    parameters, and the condition matching the history table `t` to it."""
    columns = history.unit_columns
    types = [history.table.c[c].type.compile(conn.dialect) for c in columns]
    arrays = [[unit[n] for unit, _ in closing] for n in range(len(columns))]
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    names = ", ".join(f"k{n}" for n in range(len(columns)))
    match = " AND ".join(f"t.{c} = d.k{n}" for n, c in enumerate(columns))
    source = f"unnest({unnest}, %s::bigint[]) AS d({names}, at)"
    return source, (*arrays, [at for _, at in closing]), match


def cast_table(subquery: Subquery) -> Table:
    """A subquery read as the table it stands for: reports only select from it, by the
    same column names."""
    return subquery  # type: ignore[return-value]
