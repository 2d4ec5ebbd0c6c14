"""The investigation read model on SQLAlchemy: one row per case, behind
projections.InvestigationView. Days are ordinals, as in the placement tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from uuid import UUID

from eventsourcing.persistence import Tracking
from sqlalchemy import Column, Engine, Index, Integer, MetaData, RowMapping, String, Table, select

from adapters.eventstore.engine import writing
from adapters.readmodels.bulk import chunks, delete_keys, insert_rows
from adapters.readmodels.tracking import SqlGenerationView
from projections.investigations import InvestigationRecord

KEY = String(32)


def case_table(generation: int) -> Table:
    suffix = f"_g{generation}"
    table = Table(
        "investigation_case" + suffix,
        MetaData(),
        Column("case_key", KEY, primary_key=True),
        Column("source", String(64), nullable=False),
        Column("case_id", String(128), nullable=False),
        Column("person", String(64), nullable=False),
        Column("birth_day", Integer, nullable=False),
        Column("sex", String(8), nullable=False),
        Column("age_group", String(8), nullable=False),
        Column("target_group", String(32), nullable=False),
        Column("route", String(16), nullable=False),
        Column("reporter", String(32)),
        Column("reported_day", Integer, nullable=False),
        Column("assessed_day", Integer),
        Column("decision", String(32)),
        Column("opened_day", Integer),
        Column("extended_until_day", Integer),
        Column("closed_day", Integer),
        Column("outcome", String(32)),
        sqlite_with_rowid=False,
    )
    Index(f"ix_investigation_case{suffix}_reported", table.c.reported_day)
    return table


class SqlInvestigationView(SqlGenerationView):
    def __init__(self, engine: Engine, generation: int) -> None:
        self.case = case_table(generation)
        super().__init__(engine, generation, self.case.metadata)

    def cases(self, keys: Iterable[UUID]) -> dict[UUID, InvestigationRecord]:
        hex_keys = [key.hex for key in keys]
        records: dict[UUID, InvestigationRecord] = {}
        with self.engine.connect() as conn:
            for chunk in chunks(hex_keys):
                query = select(self.case).where(self.case.c.case_key.in_(chunk))
                for row in conn.execute(query):
                    record = record_from_row(row._mapping)
                    records[record.key] = record
        return records

    def save_cases(
        self, records: Sequence[InvestigationRecord], tracking: Tracking, *, after: int
    ) -> None:
        stored = [r.key.hex for r in records if r.persisted]
        rows = [_row(r) for r in records]
        with writing(self.engine) as conn:
            self.claim(conn, tracking, after)
            delete_keys(conn, self.case, "case_key", stored)
            insert_rows(conn, self.case, rows)


def record_from_row(m: RowMapping) -> InvestigationRecord:
    return InvestigationRecord(
        key=UUID(m["case_key"]),
        source=m["source"],
        case_id=m["case_id"],
        person=m["person"],
        birth_date=date.fromordinal(m["birth_day"]),
        sex=m["sex"],
        target_group=m["target_group"],
        route=m["route"],
        reporter=m["reporter"],
        reported_on=date.fromordinal(m["reported_day"]),
        assessed_on=day_of(m["assessed_day"]),
        decision=m["decision"],
        opened_on=day_of(m["opened_day"]),
        extended_until=day_of(m["extended_until_day"]),
        closed_on=day_of(m["closed_day"]),
        outcome=m["outcome"],
        persisted=True,
    )


def _row(r: InvestigationRecord) -> tuple[object, ...]:
    """In the column order of case_table."""
    return (
        r.key.hex,
        r.source,
        r.case_id,
        r.person,
        r.birth_date.toordinal(),
        r.sex,
        r.age_group,
        r.target_group,
        r.route,
        r.reporter,
        r.reported_on.toordinal(),
        _ordinal(r.assessed_on),
        r.decision,
        _ordinal(r.opened_on),
        _ordinal(r.extended_until),
        _ordinal(r.closed_on),
        r.outcome,
    )


def day_of(ordinal: int | None) -> date | None:
    return date.fromordinal(ordinal) if ordinal is not None else None


def _ordinal(day: date | None) -> int | None:
    return day.toordinal() if day is not None else None
