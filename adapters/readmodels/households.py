"""The household read model on SQLAlchemy, behind projections.HouseholdView: each
household's composition over time (one small JSON document: it is only ever read back
whole) and one row per payment with what is left of it, by the month it is for. Only
the payments a batch changed are written; reports sum them per household-month."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from uuid import UUID

import orjson
from eventsourcing.persistence import Tracking
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    RowMapping,
    String,
    Table,
    Text,
    select,
)

from adapters.eventstore.engine import writing
from adapters.readmodels.bulk import chunks, delete_keys, delete_pairs, insert_rows
from adapters.readmodels.tracking import SqlGenerationView
from domain.household import Composition, CompositionChange, Payment
from projections.households import HouseholdRecord

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
    payment = Table(
        "household_payment" + suffix,
        metadata,
        Column("household_key", KEY, primary_key=True),
        Column("payment_id", String(128), primary_key=True),
        Column("month", Integer, nullable=False),  # ordinal of the month's first day
        Column("kind", String(32), nullable=False),
        Column("amount_ore", BigInteger, nullable=False),
        Column("reversed_ore", BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    Index(f"ix_household_payment{suffix}_month", payment.c.month)
    return state, payment


class SqlHouseholdView(SqlGenerationView):
    def __init__(self, engine: Engine, generation: int) -> None:
        self.state, self.payment = household_tables(generation)
        super().__init__(engine, generation, self.state.metadata)

    def households(self, keys: Iterable[UUID]) -> dict[UUID, HouseholdRecord]:
        """With all their payments: a batch from the log may reverse any of them."""
        records: dict[UUID, HouseholdRecord] = {}
        p = self.payment
        with self.engine.connect() as conn:
            for chunk in chunks([key.hex for key in keys]):
                records.update((r.key, r) for r in self.states(conn, chunk).values())
                for row in conn.execute(select(p).where(p.c.household_key.in_(chunk))):
                    records[UUID(row.household_key)].payments[row.payment_id] = Payment(
                        date.fromordinal(row.month), row.kind, row.amount_ore, row.reversed_ore
                    )
        return records

    def states(self, conn: Connection, keys: Iterable[str]) -> dict[str, HouseholdRecord]:
        """Compositions only, by hex key: what a report needs beside the payments."""
        found: dict[str, HouseholdRecord] = {}
        for chunk in chunks(list(keys)):
            query = select(self.state).where(self.state.c.household_key.in_(chunk))
            for row in conn.execute(query):
                found[row.household_key] = record_from_row(row._mapping)
        return found

    def save_households(
        self, records: Sequence[HouseholdRecord], tracking: Tracking, *, after: int
    ) -> None:
        stored = [r.key.hex for r in records if r.persisted]
        rewritten = [(r.key.hex, pid) for r in records if r.persisted for pid in r.changed]
        states = [(r.key.hex, r.source, r.household_id, _document(r)) for r in records]
        payments = [
            (r.key.hex, pid, p.month.toordinal(), p.kind, p.amount_ore, p.reversed_ore)
            for r in records
            for pid in r.changed
            for p in (r.payments[pid],)
        ]
        with writing(self.engine) as conn:
            self.claim(conn, tracking, after)
            delete_keys(conn, self.state, "household_key", stored)
            delete_pairs(conn, self.payment, ("household_key", "payment_id"), rewritten)
            insert_rows(conn, self.state, states)
            insert_rows(conn, self.payment, payments)


def _document(r: HouseholdRecord) -> str:
    i = r.initial
    return orjson.dumps(
        {
            "registered_on": r.registered_on.isoformat(),
            "closed_on": r.closed_on.isoformat() if r.closed_on else None,
            "initial": [i.applicant, i.co_applicant, i.children, i.newly_arrived],
            "changes": [[c.effective.isoformat(), c.sequence, c.values] for c in r.changes],
        }
    ).decode()


def record_from_row(m: RowMapping) -> HouseholdRecord:
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
        persisted=True,
    )
