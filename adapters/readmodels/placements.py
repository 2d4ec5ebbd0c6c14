"""The placement read model on SQLAlchemy: the adapter behind projections.PlacementView.
Rows and the tracking record are written in one transaction (adapters.readmodels.tracking)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import NamedTuple
from uuid import UUID

from eventsourcing.persistence import Tracking
from sqlalchemy import Engine, Table, select

from adapters.readmodels.bulk import chunks
from adapters.readmodels.fields import from_column, record_reader, row_builder
from adapters.readmodels.placement_tables import (
    CHANGE_FIELDS,
    SEGMENT_FIELDS,
    STATE_FIELDS,
    PlacementTables,
    placement_tables,
)
from adapters.readmodels.plan import WritePlan
from adapters.readmodels.tracking import SqlGenerationView
from adapters.readmodels.versions import VersionRows, Versions, cast_table, history_table
from domain.placement_terms import TermChange, Terms
from projections.placement_records import PlacementRecord, segment_rows

_state_row = row_builder(STATE_FIELDS)
_change_row = row_builder(CHANGE_FIELDS)
_segment_row = row_builder(SEGMENT_FIELDS)
_record_from_row = record_reader(STATE_FIELDS, PlacementRecord, {"initial": Terms})
# The change columns that carry a value, by the term they set (form, ..., daily_cost).
_TERMS = [(f, f.path.partition("[")[2].rstrip("]")) for f in CHANGE_FIELDS if "[" in f.path]


class _Change(NamedTuple):
    """A change of terms with its placement's key: what a change row is made from."""

    key: UUID
    change: TermChange


class SqlPlacementView(SqlGenerationView):
    def __init__(self, engine: Engine, generation: int) -> None:
        tables = placement_tables(generation)
        super().__init__(engine, generation, tables.metadata)
        self.tables: PlacementTables = tables
        # Reports read only the segments: their versions answer "as of a position".
        self.histories = [history_table(tables.segment, SEGMENT_FIELDS, 1)]

    def identity(self) -> Table:
        return self.tables.state

    def versions(self) -> Versions:
        return Versions(self.histories, _version_rows)

    def at(self, position: int, keys: Sequence[str] | None = None) -> SqlPlacementView:
        """This view as reports read it at a log position (a commit's end): the segment
        rows current then (of the placements `keys` only, when given)."""
        then = copy.copy(self)
        segment = self.histories[0].at(
            position, self.tables.segment.name, keys, self.engine.dialect.name
        )
        then.tables = replace(self.tables, segment=cast_table(segment))
        return then

    def placements(self, keys: Iterable[UUID]) -> dict[UUID, PlacementRecord]:
        hex_keys = [key.hex for key in keys]
        records: dict[UUID, PlacementRecord] = {}
        if not hex_keys:
            return records
        state, change = self.tables.state, self.tables.change
        with self.engine.connect() as conn:
            for chunk in chunks(hex_keys):
                for row in conn.execute(select(state).where(state.c.placement_key.in_(chunk))):
                    record = _record_from_row(row._mapping)
                    records[record.key] = record
                query = (
                    select(change)
                    .where(change.c.placement_key.in_(chunk))
                    .order_by(change.c.placement_key, change.c.sequence)
                )
                for row in conn.execute(query):
                    m = row._mapping
                    values = {
                        term: from_column(field, m[field.column])
                        for field, term in _TERMS
                        if m[field.column] is not None
                    }
                    records[UUID(m["placement_key"])].changes.append(
                        TermChange(date.fromordinal(m["effective_day"]), m["sequence"], values)
                    )
        for record in records.values():
            record.persisted = True
        return records

    def save_placements(
        self,
        records: Sequence[PlacementRecord],
        tracking: Tracking,
        *,
        after: int,
        versions: Versions | None = None,
    ) -> None:
        """`versions`: the records' versions at the commits of the batch; without them,
        the batch is one commit and each record's version is its state at its end."""
        plan = self.planned(records, versions, tracking.notification_id)
        self.write_plan(plan, tracking, after=after)

    def planned(
        self, records: Sequence[PlacementRecord], versions: Versions | None, at: int
    ) -> WritePlan:
        versions = self.gathered(versions, records, at)
        t = self.tables
        stored = [r.key.hex for r in records if r.persisted]
        states: list[tuple[object, ...]] = []
        changes: list[tuple[object, ...]] = []
        segments: list[tuple[object, ...]] = []
        for record in records:
            states.append(_state_row(record))
            changes.extend(_change_row(_Change(record.key, c)) for c in record.changes)
            # The rows of its last version are its live rows: made once.
            gathered = versions.latest(0, (record.key.hex,))
            if gathered is None:
                gathered = [_segment_row(s) for s in segment_rows(record)]
            segments.extend(gathered)
        plan = WritePlan()
        for table in (t.state, t.change, t.segment):
            plan.delete_keys(table, "placement_key", stored)
        for table, rows in ((t.state, states), (t.change, changes), (t.segment, segments)):
            plan.insert(table, rows)
        plan.add_versions(versions)
        return plan


def _version_rows(record: PlacementRecord) -> VersionRows:
    return [[((record.key.hex,), [_segment_row(s) for s in segment_rows(record)])]]
