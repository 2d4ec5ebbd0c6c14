"""One write of a read model as plain data: which keys' rows go, which rows come, which
versions close. Made where the records are and applied where writing costs least.

A large ingest's helper process holds the records (it made them while preparing the
batches), and writing there made it the busier of the two processes by far (200 000
placement events on SQLite: helper 19.7 s of CPU, main 6.7 s, in 20.5 s; on SQLite the
database's work is the writing process's own CPU). A plan is tables' names and tuples,
cheap to pickle, so the main process, idle most of the time, applies it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Connection, Table

from adapters.readmodels.bulk import delete_keys, delete_pairs, insert_rows
from adapters.readmodels.versions import History, RowTuple, Unit, Versions, close_open


class DeleteKeys(NamedTuple):
    table: str
    column: str
    keys: list[str]


class DeletePairs(NamedTuple):
    table: str
    columns: tuple[str, str]
    pairs: list[tuple[object, object]]


class Insert(NamedTuple):
    table: str
    rows: list[RowTuple]


class Close(NamedTuple):
    """The open versions of `closing`'s units in the view's history table `history` (its
    index) end at the units' commits (versions.close_open)."""

    history: int
    closing: list[tuple[Unit, int]]
    splits: set[int]


Step = DeleteKeys | DeletePairs | Insert | Close


@dataclass
class WritePlan:
    steps: list[Step] = field(default_factory=list)

    def delete_keys(self, table: Table, column: str, keys: list[str]) -> None:
        if keys:
            self.steps.append(DeleteKeys(table.name, column, keys))

    def delete_pairs(
        self, table: Table, columns: tuple[str, str], pairs: list[tuple[object, object]]
    ) -> None:
        if pairs:
            self.steps.append(DeletePairs(table.name, columns, pairs))

    def insert(self, table: Table, rows: list[RowTuple]) -> None:
        if rows:
            self.steps.append(Insert(table.name, rows))

    def close(self, history: int, closing: list[tuple[Unit, int]], splits: set[int]) -> None:
        if closing:
            self.steps.append(Close(history, closing, splits))

    def add_versions(self, versions: Versions) -> None:
        """What `versions.write` would write, planned instead; `versions` is left empty."""
        for index, history in enumerate(versions.histories):
            self.close(index, list(versions.closing[index].items()), versions.splits)
            self.insert(history.table, list(versions.take(index)))
        versions.clear()

    def apply(
        self, conn: Connection, tables: dict[str, Table], histories: list[History]
    ) -> None:
        """In the caller's transaction, in the order planned."""
        for step in self.steps:
            if isinstance(step, Close):
                close_open(conn, histories[step.history], step.closing, step.splits)
            elif isinstance(step, DeleteKeys):
                delete_keys(conn, tables[step.table], step.column, step.keys)
            elif isinstance(step, DeletePairs):
                delete_pairs(conn, tables[step.table], step.columns, step.pairs)
            else:
                insert_rows(conn, tables[step.table], step.rows)
