"""The placement read model on SQLAlchemy: the adapter behind projections.PlacementView.
Rows and the tracking record are written in one transaction (adapters.readmodels.tracking)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.persistence import Tracking
from sqlalchemy import Engine, RowMapping, select

from adapters.eventstore.engine import writing
from adapters.readmodels.bulk import chunks, delete_keys, insert_rows
from adapters.readmodels.placement_tables import PlacementTables, placement_tables
from adapters.readmodels.tracking import SqlGenerationView
from domain.placement_terms import TermChange, Terms
from projections.placements import PlacementRecord, segment_rows

_TERM_COLUMNS = ("form", "legal_basis", "regi", "cost_ore", "provider")


class SqlPlacementView(SqlGenerationView):
    def __init__(self, engine: Engine, generation: int) -> None:
        tables = placement_tables(generation)
        super().__init__(engine, generation, tables.metadata)
        self.tables: PlacementTables = tables

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
                        ("daily_cost" if c == "cost_ore" else c): (
                            _cost(m[c]) if c == "cost_ore" else m[c]
                        )
                        for c in _TERM_COLUMNS
                        if m[c] is not None
                    }
                    records[UUID(m["placement_key"])].changes.append(
                        TermChange(date.fromordinal(m["effective_day"]), m["sequence"], values)
                    )
        for record in records.values():
            record.persisted = True
        return records

    def save_placements(
        self, records: Sequence[PlacementRecord], tracking: Tracking, *, after: int
    ) -> None:
        t = self.tables
        stored = [r.key.hex for r in records if r.persisted]
        states, changes, segments = [], [], []
        for record in records:
            states.append(_state_row(record))
            changes.extend(_change_rows(record))
            segments.extend(_segment_rows(record))
        with writing(self.engine) as conn:
            self.claim(conn, tracking, after)
            for table in (t.state, t.change, t.segment):
                delete_keys(conn, table, "placement_key", stored)
            for table, rows in ((t.state, states), (t.change, changes), (t.segment, segments)):
                insert_rows(conn, table, rows)


def _record_from_row(m: RowMapping) -> PlacementRecord:
    return PlacementRecord(
        key=UUID(m["placement_key"]),
        source=m["source"],
        placement_id=m["placement_id"],
        person=m["person"],
        birth_date=date.fromordinal(m["birth_day"]),
        sex=m["sex"],
        target_group=m["target_group"],
        unaccompanied=bool(m["unaccompanied"]),
        accompanying_children=m["accompanying_children"],
        first_day=date.fromordinal(m["first_day"]),
        last_day=date.fromordinal(m["last_day"]) if m["last_day"] is not None else None,
        voided=bool(m["voided"]),
        initial=Terms(m["form"], m["legal_basis"], m["regi"], _cost(m["cost_ore"]), m["provider"]),
    )


# Row builders give tuples in the column order of adapters/readmodels/placement_tables.py.


def _state_row(r: PlacementRecord) -> tuple[object, ...]:
    return (
        r.key.hex,
        r.source,
        r.placement_id,
        r.person,
        r.birth_date.toordinal(),
        r.sex,
        r.target_group,
        r.unaccompanied,
        r.accompanying_children,
        r.first_day.toordinal(),
        r.last_day.toordinal() if r.last_day else None,
        r.voided,
        r.initial.form,
        r.initial.legal_basis,
        r.initial.regi,
        _ore(r.initial.daily_cost),
        r.initial.provider,
    )


def _change_rows(r: PlacementRecord) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for change in r.changes:
        v = change.values
        cost = v.get("daily_cost")
        rows.append(
            (
                r.key.hex,
                change.sequence,
                change.effective.toordinal(),
                v.get("form"),
                v.get("legal_basis"),
                v.get("regi"),
                _ore(cost) if isinstance(cost, Decimal) else None,
                v.get("provider"),
            )
        )
    return rows


def _segment_rows(r: PlacementRecord) -> list[tuple[object, ...]]:
    return [
        (
            s.key.hex,
            s.sequence,
            s.first.toordinal(),
            s.last.toordinal() if s.last else None,
            s.start.toordinal(),
            s.end.toordinal() if s.end else None,
            s.person,
            s.sex,
            s.age_group,
            s.target_group,
            s.unaccompanied,
            s.form,
            s.form_group,
            s.legal_basis,
            s.regi,
            s.provider,
            _ore(s.daily_cost),
        )
        for s in segment_rows(r)
    ]


def _ore(amount: Decimal) -> int:
    return int(amount * 100)


def _cost(ore: int) -> Decimal:
    return (Decimal(ore) / 100).quantize(Decimal("0.01"))
