"""The investigation read model on SQLAlchemy: one row per case, behind
projections.InvestigationView. Days are ordinals, as in the placement tables."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import date
from uuid import UUID

from eventsourcing.persistence import Tracking
from sqlalchemy import Engine, Index, Integer, MetaData, String, Table, select

from adapters.readmodels.bulk import chunks
from adapters.readmodels.fields import Field, record_reader, row_builder, table
from adapters.readmodels.plan import WritePlan
from adapters.readmodels.tracking import SqlGenerationView
from adapters.readmodels.versions import VersionRows, Versions, cast_table, history_table
from projections.investigation_records import InvestigationRecord

KEY = String(32)

# One row per case: the columns, and the record attributes they hold.
CASE_FIELDS = (
    Field("case_key", KEY, "key", "key", primary_key=True),
    Field("source", String(64)),
    Field("case_id", String(128)),
    Field("person", String(64)),
    Field("birth_day", Integer, "birth_date", "day"),
    Field("sex", String(8)),
    Field("age_group", String(8), read=False),  # on the report date, derived
    Field("target_group", String(32)),
    Field("route", String(16)),
    Field("reporter", String(32), nullable=True),
    Field("reported_day", Integer, "reported_on", "day"),
    Field("assessed_day", Integer, "assessed_on", "day", nullable=True),
    Field("decision", String(32), nullable=True),
    Field("opened_day", Integer, "opened_on", "day", nullable=True),
    Field("extended_until_day", Integer, "extended_until", "day", nullable=True),
    Field("closed_day", Integer, "closed_on", "day", nullable=True),
    Field("outcome", String(32), nullable=True),
)
_row = row_builder(CASE_FIELDS)
record_from_row = record_reader(CASE_FIELDS, InvestigationRecord, persisted=True)


def case_table(generation: int) -> Table:
    suffix = f"_g{generation}"
    case = table("investigation_case" + suffix, MetaData(), CASE_FIELDS, sqlite_with_rowid=False)
    Index(f"ix_investigation_case{suffix}_reported", case.c.reported_day)
    # A report's cases are those with a step in the period or open at its end: an index
    # per step, so the databases read those rows only (a scan of every case took most of
    # a report's time at two million events). (closed_day, opened_day) also finds the open
    # cases opened by the end, without the never opened (closed_day is NULL for both).
    Index(f"ix_investigation_case{suffix}_assessed", case.c.assessed_day)
    Index(f"ix_investigation_case{suffix}_opened", case.c.opened_day)
    Index(f"ix_investigation_case{suffix}_closed", case.c.closed_day, case.c.opened_day)
    return case


class SqlInvestigationView(SqlGenerationView):
    def __init__(self, engine: Engine, generation: int) -> None:
        self.case = case_table(generation)
        super().__init__(engine, generation, self.case.metadata)
        self.histories = [history_table(self.case, CASE_FIELDS, 1)]

    def identity(self) -> Table:
        return self.case

    def versions(self) -> Versions:
        return Versions(self.histories, _version_rows)

    def at(self, position: int, keys: Sequence[str] | None = None) -> SqlInvestigationView:
        """This view as reports read it at a log position: the case rows current then
        (of the cases `keys` only, when given)."""
        then = copy.copy(self)
        dialect = self.engine.dialect.name
        then.case = cast_table(self.histories[0].at(position, self.case.name, keys, dialect))
        return then

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
        self,
        records: Sequence[InvestigationRecord],
        tracking: Tracking,
        *,
        after: int,
        versions: Versions | None = None,
    ) -> None:
        plan = self.planned(records, versions, tracking.notification_id)
        self.write_plan(plan, tracking, after=after)

    def planned(
        self, records: Sequence[InvestigationRecord], versions: Versions | None, at: int
    ) -> WritePlan:
        versions = self.gathered(versions, records, at)
        stored = [r.key.hex for r in records if r.persisted]
        rows: list[tuple[object, ...]] = []
        for record in records:  # the row of its last version is its live row: made once
            gathered = versions.latest(0, (record.key.hex,))
            rows += gathered if gathered is not None else [_row(record)]
        plan = WritePlan()
        plan.delete_keys(self.case, "case_key", stored)
        plan.insert(self.case, rows)
        plan.add_versions(versions)
        return plan


def _version_rows(record: InvestigationRecord) -> VersionRows:
    return [[((record.key.hex,), [_row(record)])]]


def day_of(ordinal: int | None) -> date | None:
    return date.fromordinal(ordinal) if ordinal is not None else None
