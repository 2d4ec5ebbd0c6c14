"""The placement read model on SQLAlchemy: the adapter behind projections.PlacementView.

Rows and the tracking record are written in one transaction; a second attempt to record
the same notification is refused, so each event changes the view exactly once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from sqlalchemy import Connection, Engine, MetaData, select, update

from adapters.bulk import chunks, delete_keys, insert_rows
from adapters.placement_tables import PlacementTables, control_tables, placement_tables
from adapters.sql import create_all, writing
from domain.placement_terms import TermChange, Terms
from projections.placements import PlacementRecord, PositionMoved, segment_rows

_TERM_COLUMNS = ("form", "legal_basis", "regi", "cost_ore", "provider")


class SqlTracking(TrackingRecorder):
    """Tracking rows in `projection_tracking`, one per projection generation."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.control = MetaData()
        self.generation_table, self.tracking_table = control_tables(self.control)

    def create_control_tables(self) -> None:
        create_all(self.engine, self.control)

    def insert_tracking(self, tracking: Tracking) -> None:
        with writing(self.engine) as conn:
            self.record_tracking(conn, tracking)

    def claim(self, conn: Connection, tracking: Tracking, after: int) -> None:
        """Record `tracking` if the view is still at `after`; else raise PositionMoved.
        Taken first in a write transaction, it serializes projectors of the same view."""
        name = tracking.application_name
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))
        t = self.tracking_table
        current = conn.execute(select(t.c.notification_id).where(t.c.name == name)).scalar()
        if (current or 0) != after:
            raise PositionMoved(f"{name} is at {current}, not {after}")
        self.record_tracking(conn, tracking)

    def record_tracking(self, conn: Connection, tracking: Tracking) -> None:
        t = self.tracking_table
        moved = conn.execute(
            update(t)
            .where(t.c.name == tracking.application_name)
            .where(t.c.notification_id < tracking.notification_id)
            .values(notification_id=tracking.notification_id)
        ).rowcount
        if moved:
            return
        exists = conn.execute(
            select(t.c.notification_id).where(t.c.name == tracking.application_name)
        ).first()
        if exists is not None:
            raise IntegrityError(
                f"{tracking.application_name} already processed notification "
                f"{exists[0]} >= {tracking.notification_id}"
            )
        conn.execute(
            t.insert().values(
                name=tracking.application_name, notification_id=tracking.notification_id
            )
        )

    def max_tracking_id(self, application_name: str) -> int | None:
        t = self.tracking_table
        with self.engine.connect() as conn:
            value = conn.execute(
                select(t.c.notification_id).where(t.c.name == application_name)
            ).scalar()
        return int(value) if value is not None else None


class SqlPlacementView(SqlTracking):
    def __init__(self, engine: Engine, generation: int) -> None:
        super().__init__(engine)
        self.generation = generation
        self.tables: PlacementTables = placement_tables(generation)

    def create_tables(self) -> None:
        self.create_control_tables()
        create_all(self.engine, self.tables.metadata)

    def drop_tables(self) -> None:
        self.tables.metadata.drop_all(self.engine)

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


def _record_from_row(m: Any) -> PlacementRecord:
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


# Row builders give tuples in the column order of adapters/placement_tables.py.


def _state_row(r: PlacementRecord) -> tuple[Any, ...]:
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


def _change_rows(r: PlacementRecord) -> list[tuple[Any, ...]]:
    rows = []
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


def _segment_rows(r: PlacementRecord) -> list[tuple[Any, ...]]:
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
