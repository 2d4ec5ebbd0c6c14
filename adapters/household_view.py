"""The household read model on SQLAlchemy, behind projections.HouseholdView: each
household's state (as one JSON document: its payments and composition changes are only
ever read back whole) and its household-month rows, which the reports read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Tracking
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)

from adapters.bulk import chunks, delete_keys, delete_pairs, insert_rows
from adapters.sql import writing
from adapters.tracking import SqlGenerationView
from domain.household import Composition, CompositionChange, Payment
from projections.households import HouseholdRecord, month_rows

KEY = String(32)


def household_tables(generation: int) -> tuple[Table, Table]:
    metadata, suffix = MetaData(), f"_g{generation}"
    state = Table(
        "household_state" + suffix,
        metadata,
        Column("household_key", KEY, primary_key=True),
        Column("source", String(64), nullable=False),
        Column("household_id", String(128), nullable=False),
        Column("state", Text, nullable=False),
        sqlite_with_rowid=False,
    )
    month = Table(
        "household_month" + suffix,
        metadata,
        Column("household_key", KEY, primary_key=True),
        Column("month", Integer, primary_key=True),  # ordinal of the month's first day
        Column("kind", String(32), primary_key=True),
        Column("net_ore", BigInteger, nullable=False),
        Column("children", Integer, nullable=False),
        Column("newly_arrived", Boolean, nullable=False),
        Column("applicant", String(64), nullable=False),
        Column("co_applicant", String(64)),
        sqlite_with_rowid=False,
    )
    Index(f"ix_household_month{suffix}_month", month.c.month)
    return state, month


class SqlHouseholdView(SqlGenerationView):
    def __init__(self, engine: Engine, generation: int) -> None:
        self.state, self.month = household_tables(generation)
        super().__init__(engine, generation, self.state.metadata)

    def households(self, keys: Iterable[UUID]) -> dict[UUID, HouseholdRecord]:
        records: dict[UUID, HouseholdRecord] = {}
        with self.engine.connect() as conn:
            for chunk in chunks([key.hex for key in keys]):
                query = select(self.state).where(self.state.c.household_key.in_(chunk))
                for row in conn.execute(query):
                    record = _record(row._mapping)
                    records[record.key] = record
        return records

    def save_households(
        self, records: Sequence[HouseholdRecord], tracking: Tracking, *, after: int
    ) -> None:
        stored = [r.key.hex for r in records if r.persisted]
        whole = [r.key.hex for r in records if r.persisted and r.dirty is None]
        some = [(r.key.hex, m.toordinal()) for r in records if r.persisted for m in r.dirty or ()]
        states = [(r.key.hex, r.source, r.household_id, _document(r)) for r in records]
        months = [
            (
                m.key.hex,
                m.month.toordinal(),
                m.kind,
                m.net_ore,
                m.children,
                m.newly_arrived,
                m.applicant,
                m.co_applicant,
            )
            for r in records
            for m in month_rows(r, r.dirty if r.persisted else None)
        ]
        with writing(self.engine) as conn:
            self.claim(conn, tracking, after)
            delete_keys(conn, self.state, "household_key", stored)
            delete_keys(conn, self.month, "household_key", whole)
            delete_pairs(conn, self.month, ("household_key", "month"), some)
            insert_rows(conn, self.state, states)
            insert_rows(conn, self.month, months)


def _document(r: HouseholdRecord) -> str:
    i = r.initial
    return orjson.dumps(
        {
            "registered_on": r.registered_on.isoformat(),
            "closed_on": r.closed_on.isoformat() if r.closed_on else None,
            "initial": [i.applicant, i.co_applicant, i.children, i.newly_arrived],
            "changes": [[c.effective.isoformat(), c.sequence, c.values] for c in r.changes],
            "payments": {
                pid: (p.month.toordinal(), p.kind, p.amount_ore, p.reversed_ore)
                for pid, p in r.payments.items()
            },
        }
    ).decode()


def _record(m: Any) -> HouseholdRecord:
    doc = orjson.loads(m["state"])
    closed = doc["closed_on"]
    return HouseholdRecord(
        key=UUID(m["household_key"]),
        source=m["source"],
        household_id=m["household_id"],
        registered_on=date.fromisoformat(doc["registered_on"]),
        closed_on=date.fromisoformat(closed) if closed else None,
        initial=Composition(*doc["initial"]),
        changes=[
            CompositionChange(date.fromisoformat(day), sequence, values)
            for day, sequence, values in doc["changes"]
        ],
        payments={
            pid: Payment(date.fromordinal(month), kind, amount, reversed_ore)
            for pid, (month, kind, amount, reversed_ore) in doc["payments"].items()
        },
        persisted=True,
        dirty=set(),
    )
