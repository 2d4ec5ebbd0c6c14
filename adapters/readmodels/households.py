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
from projections.household_records import HouseholdRecord, YearRows

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


# One payment and what is left of it, by the month it is for: what a household's record
# is loaded with (a payment may be reversed later). Reports count the year rows.
PAYMENT_FIELDS = (
    Field("household_key", KEY, "key", "key", primary_key=True),
    Field("payment_id", String(128), primary_key=True),
    Field("month", Integer, "payment.month", "day"),  # ordinal of the month's first day
    Field("kind", String(32), "payment.kind"),
    Field("amount_ore", BigInteger, "payment.amount_ore"),
    Field("reversed_ore", BigInteger, "payment.reversed_ore"),
)


# A household's net assistance by month of one year, in the months one composition was in
# force (projections.household_records.YearRow): what reports count. A year's report reads
# a row or two per household instead of a row per payment joined to the composition in
# force that month (ten million events: a households year took 5-8 s that way).
YEAR_FIELDS = (
    Field("household_key", KEY, primary_key=True),
    Field("year", Integer, primary_key=True),
    Field("first_month", Integer, primary_key=True),  # 1-12
    Field("kind", String(32), primary_key=True),  # ALL_KINDS: every kind together
    Field("scope", String(4)),  # which reports count the row (household_records.ALL...)
    Field("applicant", String(64)),
    Field("co_applicant", String(64), nullable=True),
    Field("children", Integer),
    Field("newly_arrived", Boolean),
    *(Field(f"net_{month}", BigInteger, nullable=True) for month in range(1, 13)),
)
NET_COLUMNS = tuple(f"net_{month}" for month in range(1, 13))
_state_row = row_builder(STATE_FIELDS)
_payment_row = row_builder(PAYMENT_FIELDS)


def _year_rows(key: str, year: YearRows) -> list[RowTuple]:
    # By hand, in YEAR_FIELDS' order, not by row_builder: made for every household a
    # commit touches, and a builder's attribute paths (row.composition.applicant,
    # row.nets[0], ...) took 4.5 times as long.
    rows: list[RowTuple] = []
    for row in year.rows:
        c = row.composition
        rows.append(
            (key, year.year, row.first_month, row.kind, row.scope, c.applicant,
             c.co_applicant, c.children, c.newly_arrived, *row.nets)
        )  # fmt: skip
    return rows


def household_tables(generation: int) -> tuple[Table, Table, Table]:
    """The state and payment tables, and the year rows' template: of those only versions
    are kept (the current ones are the live rows), so each change is written once, not
    also to a live table (a households ingest at 200 000 events was a sixth slower so).
    The payments have no index by month: only the reference reads them by month."""
    metadata, suffix = MetaData(), f"_g{generation}"
    options = {"sqlite_with_rowid": False}
    state = table("household_state" + suffix, metadata, STATE_FIELDS, **options)
    payment = table("household_payment" + suffix, metadata, PAYMENT_FIELDS, **options)
    year = table("household_year" + suffix, MetaData(), YEAR_FIELDS, **options)
    Index(f"ix_household_year{suffix}_year", year.c.year, year.c.scope)
    return state, payment, year


class SqlHouseholdView(SqlGenerationView):
    # Until PROJECTION_VERSION 5: the compositions by runs of months, and the versions of
    # the eras and of each payment.
    retired = ("household_era", "household_era_v", "household_payment_v")

    def __init__(self, engine: Engine, generation: int) -> None:
        self.state, self.payment, template = household_tables(generation)
        super().__init__(engine, generation, self.state.metadata)
        # A household's composition is one version; its rows of each year another (a
        # long-term household has years of them, and a batch changes one or two). Payments
        # are not versioned: reports count the year rows.
        years = history_table(template, YEAR_FIELDS, 2, self.metadata)
        self.histories = [history_table(self.state, STATE_FIELDS, 1), years]
        self.year = cast_table(years.current(template.name))

    def identity(self) -> Table:
        return self.state

    def versions(self) -> Versions:
        return Versions(self.histories, _version_rows)

    def at(self, position: int, keys: Sequence[str] | None = None) -> SqlHouseholdView:
        """This view as reports read it at a log position: the rows current then (of the
        households `keys` only, when given). Payments have no versions: what reads them
        (loading records, the reference count) reads the live view."""
        then = copy.copy(self)
        state, year = self.histories
        dialect = self.engine.dialect.name
        then.state = cast_table(state.at(position, self.state.name, keys, dialect))
        then.year = cast_table(year.at(position, self.year.name, keys, dialect))
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
        plan = WritePlan()
        plan.delete_keys(self.state, "household_key", stored)
        plan.delete_pairs(self.payment, ("household_key", "payment_id"), rewritten)
        plan.insert(self.state, states)
        plan.insert(self.payment, payments)
        plan.add_versions(versions)
        return plan


def _version_rows(r: HouseholdRecord) -> VersionRows:
    """What changed since the last version: the composition, and the rows of each year
    its changed payments are for (of every year, where the composition by month changed)."""
    key = r.key.hex
    state: list[tuple[Unit, list[RowTuple]]] = (
        [((key,), [_state_row(r)])] if r.composition_unversioned else []
    )
    only = None if r.eras_unversioned else {r.payments[pid].month.year for pid in r.unversioned}
    years: list[tuple[Unit, list[RowTuple]]] = []
    if only is None or only:
        years = [((key, year.year), _year_rows(key, year)) for year in r.years(only)]
    r.composition_unversioned, r.eras_unversioned, r.unversioned = False, False, set()
    return [state, years]


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
