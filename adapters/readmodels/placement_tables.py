"""The placement tables (SQLAlchemy Core), shared by SQLite and PostgreSQL, each declared
once as the fields it holds (adapters.readmodels.fields).

Days are stored as proleptic ordinals (date.toordinal()) and money as whole öre, so care
days and costs are integer arithmetic that both databases compute the same way. Each
rebuild writes a new generation of tables beside the live one (suffix `_g<N>`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, Boolean, Index, Integer, MetaData, SmallInteger, String, Table

from adapters.readmodels.fields import Field, table
from adapters.readmodels.versions import UNTIL_AFTER

KEY = String(32)

# A placement's own facts and its first terms: a PlacementRecord.
STATE_FIELDS = (
    Field("placement_key", KEY, "key", "key", primary_key=True),
    Field("source", String(64)),
    Field("placement_id", String(128)),
    Field("person", String(64)),
    Field("birth_day", Integer, "birth_date", "day"),
    Field("sex", String(8)),
    Field("target_group", String(32)),
    Field("unaccompanied", Boolean, conversion="bool"),
    Field("accompanying_children", Integer),
    Field("first_day", Integer, "first_day", "day"),
    Field("last_day", Integer, "last_day", "day", nullable=True),
    Field("voided", Boolean, conversion="bool"),
    Field("form", String(32), "initial.form"),
    Field("legal_basis", String(8), "initial.legal_basis"),
    Field("regi", String(8), "initial.regi"),
    Field("cost_ore", BigInteger, "initial.daily_cost", "ore"),
    Field("provider", String(500), "initial.provider", nullable=True),
)
# One change of terms: a (key, TermChange) pair; only the values it sets are not null.
CHANGE_FIELDS = (
    Field("placement_key", KEY, "key", "key", primary_key=True),
    Field("sequence", Integer, "change.sequence", primary_key=True),
    Field("effective_day", Integer, "change.effective", "day"),
    Field("form", String(32), "change.values[form]", nullable=True),
    Field("legal_basis", String(8), "change.values[legal_basis]", nullable=True),
    Field("regi", String(8), "change.values[regi]", nullable=True),
    Field("cost_ore", BigInteger, "change.values[daily_cost]", "ore", nullable=True),
    Field("provider", String(500), "change.values[provider]", nullable=True),
)
# Care days under one set of terms, with the placement's facts beside them: a SegmentRow.
SEGMENT_FIELDS = (
    Field("placement_key", KEY, "key", "key", primary_key=True),
    Field("sequence", Integer, primary_key=True),
    Field("first_day", Integer, "first", "day"),
    Field("last_day", Integer, "last", "day", nullable=True),
    Field("start_day", Integer, "start", "day"),
    Field("end_day", Integer, "end", "day", nullable=True),
    Field("person", String(64)),
    Field("sex", String(8)),
    Field("age_group", String(8)),
    Field("age", SmallInteger),
    Field("target_group", String(32)),
    Field("unaccompanied", Boolean),
    Field("form", String(32)),
    Field("form_group", String(32)),
    Field("legal_basis", String(8)),
    Field("regi", String(8)),
    Field("provider", String(500), nullable=True),
    Field("cost_ore", BigInteger, "daily_cost", "ore"),
)


@dataclass(frozen=True)
class PlacementTables:
    metadata: MetaData
    state: Table
    change: Table
    segment: Table


def placement_tables(generation: int) -> PlacementTables:
    metadata = MetaData()
    suffix = f"_g{generation}"
    # Keyed rows: one B-tree each instead of a rowid table and an index.
    state = table("placement_state" + suffix, metadata, STATE_FIELDS, sqlite_with_rowid=False)
    change = table("placement_change" + suffix, metadata, CHANGE_FIELDS, sqlite_with_rowid=False)
    segment = table(
        "placement_segment" + suffix, metadata, SEGMENT_FIELDS, sqlite_with_rowid=False
    )
    Index(f"ix_placement_segment{suffix}_first", segment.c.first_day)
    # A period's segments are those ending in or after it, and the open ones begun by its
    # end: one index finds both (by first_day alone, a quarter read every segment begun
    # before its end). Not a partial index: its dialect options cost a report's start-up
    # the import of SQLAlchemy's PostgreSQL dialect, on SQLite too.
    # On the versions, the open ones current at a moment are one range of the index.
    Index(
        f"ix_placement_segment{suffix}_last",
        segment.c.last_day,
        segment.c.first_day,
        info={UNTIL_AFTER: 1},
    )
    return PlacementTables(metadata, state, change, segment)
