"""The household read model on SQLAlchemy, behind projections.HouseholdView: each
household's composition over time (one small JSON document: it is only ever read back
whole) and one row per payment with what is left of it, by the month it is for. Only
the payments a batch changed are written; reports sum them per household-month."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import date
from typing import NamedTuple
from uuid import UUID

import orjson
from eventsourcing.persistence import Tracking
from sqlalchemy import (
    BigInteger,
    Boolean,
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

from adapters.readmodels.bulk import chunks
from adapters.readmodels.fields import Field, row_builder, table
from adapters.readmodels.plan import WritePlan
from adapters.readmodels.tracking import SqlGenerationView
from adapters.readmodels.versions import (
    RowTuple,
    Unit,
    VersionRows,
    Versions,
    cast_table,
    history_table,
)
from domain.household_terms import Composition, CompositionChange, Payment
from projections.household_records import Era, HouseholdRecord

KEY = String(32)


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


# A household's composition over time: one small JSON document, only ever read back whole.
STATE_FIELDS = (
    Field("household_key", KEY, "key", "key", primary_key=True),
    Field("source", String(64)),
    Field("household_id", String(128)),
    Field("state", Text, write=_document, read=False),
)


class _Payment(NamedTuple):
    """A payment with its household's key and id: what a payment row is made from."""

    key: UUID
    payment_id: str
    payment: Payment


# One payment and what is left of it, by the month it is for.
PAYMENT_FIELDS = (
    Field("household_key", KEY, "key", "key", primary_key=True),
    Field("payment_id", String(128), primary_key=True),
    Field("month", Integer, "payment.month", "day"),  # ordinal of the month's first day
    Field("kind", String(32), "payment.kind"),
    Field("amount_ore", BigInteger, "payment.amount_ore"),
    Field("reversed_ore", BigInteger, "payment.reversed_ore"),
)


class _Era(NamedTuple):
    key: UUID
    era: Era


# The composition in force, by runs of months: what a report joins each payment's month to
# (read from the state document instead, a quarter's report spent seconds in Python at ten
# million events).
ERA_FIELDS = (
    Field("household_key", KEY, "key", "key", primary_key=True),
    Field("first_month", Integer, "era.first", "day", primary_key=True),
    Field("last_month", Integer, "era.last", "day", nullable=True),  # NULL: still in force
    Field("applicant", String(64), "era.values.applicant"),
    Field("co_applicant", String(64), "era.values.co_applicant", nullable=True),
    Field("children", Integer, "era.values.children"),
    Field("newly_arrived", Boolean, "era.values.newly_arrived", "bool"),
)
_state_row = row_builder(STATE_FIELDS)
_payment_row = row_builder(PAYMENT_FIELDS)
_era_row = row_builder(ERA_FIELDS)


def _era_rows(r: HouseholdRecord) -> list[RowTuple]:
    return [_era_row(_Era(r.key, era)) for era in r.eras()]


def household_tables(generation: int) -> tuple[Table, Table, Table]:
    metadata, suffix = MetaData(), f"_g{generation}"
    options = {"sqlite_with_rowid": False}
    state = table("household_state" + suffix, metadata, STATE_FIELDS, **options)
    payment = table("household_payment" + suffix, metadata, PAYMENT_FIELDS, **options)
    era = table("household_era" + suffix, metadata, ERA_FIELDS, **options)
    Index(f"ix_household_payment{suffix}_month", payment.c.month)
    return state, payment, era


class SqlHouseholdView(SqlGenerationView):
    def __init__(self, engine: Engine, generation: int) -> None:
        self.state, self.payment, self.era = household_tables(generation)
        super().__init__(engine, generation, self.state.metadata)
        # A household's composition is one version, and so are its eras; each payment is
        # versioned alone (a long-term household has hundreds, and a batch changes one or two).
        self.histories = [
            history_table(self.state, STATE_FIELDS, 1),
            history_table(self.payment, PAYMENT_FIELDS, 2),
            history_table(self.era, ERA_FIELDS, 1),
        ]

    def identity(self) -> Table:
        return self.state

    def versions(self) -> Versions:
        return Versions(self.histories, _version_rows)

    def at(self, position: int, keys: Sequence[str] | None = None) -> SqlHouseholdView:
        """This view as reports read it at a log position: the rows current then (of the
        households `keys` only, when given)."""
        then = copy.copy(self)
        state, payment, era = self.histories
        dialect = self.engine.dialect.name
        then.state = cast_table(state.at(position, self.state.name, keys, dialect))
        then.payment = cast_table(payment.at(position, self.payment.name, keys, dialect))
        then.era = cast_table(era.at(position, self.era.name, keys, dialect))
        return then

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
        self,
        records: Sequence[HouseholdRecord],
        tracking: Tracking,
        *,
        after: int,
        versions: Versions | None = None,
    ) -> None:
        plan = self.planned(records, versions, tracking.notification_id)
        self.write_plan(plan, tracking, after=after)

    def planned(
        self, records: Sequence[HouseholdRecord], versions: Versions | None, at: int
    ) -> WritePlan:
        versions = self.gathered(versions, records, at)
        stored = [r.key.hex for r in records if r.persisted]
        rewritten: list[tuple[object, object]] = [
            (r.key.hex, pid) for r in records if r.persisted for pid in r.changed
        ]
        states = [_state_row(r) for r in records]
        payments = [
            _payment_row(_Payment(r.key, pid, r.payments[pid]))
            for r in records
            for pid in r.changed
        ]
        # Eras as the state row: written for every record (a version gathered is reused).
        eras: list[RowTuple] = []
        for r in records:
            gathered = versions.latest(2, (r.key.hex,))
            eras += gathered if gathered is not None else _era_rows(r)
        plan = WritePlan()
        plan.delete_keys(self.state, "household_key", stored)
        plan.delete_keys(self.era, "household_key", stored)
        plan.delete_pairs(self.payment, ("household_key", "payment_id"), rewritten)
        plan.insert(self.state, states)
        plan.insert(self.era, eras)
        plan.insert(self.payment, payments)
        plan.add_versions(versions)
        return plan


def _version_rows(r: HouseholdRecord) -> VersionRows:
    """What changed since the last version: the composition and each payment apart."""
    key = r.key.hex
    state: list[tuple[Unit, list[RowTuple]]] = (
        [((key,), [_state_row(r)])] if r.composition_unversioned else []
    )
    payments: list[tuple[Unit, list[RowTuple]]] = [
        ((key, pid), [_payment_row(_Payment(r.key, pid, r.payments[pid]))])
        for pid in sorted(r.unversioned)
    ]
    eras: list[tuple[Unit, list[RowTuple]]] = (
        [((key,), _era_rows(r))] if r.composition_unversioned else []
    )
    r.composition_unversioned, r.unversioned = False, set()
    return [state, payments, eras]


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
