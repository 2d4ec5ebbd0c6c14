"""Read-model tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Days are stored as proleptic ordinals (date.toordinal()) and money as whole öre, so care
days and costs are integer arithmetic that both databases compute the same way. Each
rebuild writes a new generation of tables beside the live one (suffix `_g<N>`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

KEY = String(32)


@dataclass(frozen=True)
class PlacementTables:
    metadata: MetaData
    state: Table
    change: Table
    segment: Table


def placement_tables(generation: int) -> PlacementTables:
    metadata = MetaData()
    suffix = f"_g{generation}"
    state = Table(
        "placement_state" + suffix,
        metadata,
        Column("placement_key", KEY, primary_key=True),
        Column("source", String(64), nullable=False),
        Column("placement_id", String(128), nullable=False),
        Column("person", String(64), nullable=False),
        Column("birth_day", Integer, nullable=False),
        Column("sex", String(8), nullable=False),
        Column("target_group", String(32), nullable=False),
        Column("unaccompanied", Boolean, nullable=False),
        Column("accompanying_children", Integer, nullable=False),
        Column("first_day", Integer, nullable=False),
        Column("last_day", Integer),
        Column("voided", Boolean, nullable=False),
        Column("form", String(32), nullable=False),
        Column("legal_basis", String(8), nullable=False),
        Column("regi", String(8), nullable=False),
        Column("cost_ore", BigInteger, nullable=False),
        Column("provider", String(500)),
        sqlite_with_rowid=False,
    )
    change = Table(
        "placement_change" + suffix,
        metadata,
        Column("placement_key", KEY, primary_key=True),
        Column("sequence", Integer, primary_key=True),
        Column("effective_day", Integer, nullable=False),
        Column("form", String(32)),
        Column("legal_basis", String(8)),
        Column("regi", String(8)),
        Column("cost_ore", BigInteger),
        Column("provider", String(500)),
        sqlite_with_rowid=False,
    )
    segment = Table(
        "placement_segment" + suffix,
        metadata,
        Column("placement_key", KEY, primary_key=True),
        Column("sequence", Integer, primary_key=True),
        Column("first_day", Integer, nullable=False),
        Column("last_day", Integer),
        Column("start_day", Integer, nullable=False),
        Column("end_day", Integer),
        Column("person", String(64), nullable=False),
        Column("sex", String(8), nullable=False),
        Column("age_group", String(8), nullable=False),
        Column("target_group", String(32), nullable=False),
        Column("unaccompanied", Boolean, nullable=False),
        Column("form", String(32), nullable=False),
        Column("form_group", String(32), nullable=False),
        Column("legal_basis", String(8), nullable=False),
        Column("regi", String(8), nullable=False),
        Column("provider", String(500)),
        Column("cost_ore", BigInteger, nullable=False),
        sqlite_with_rowid=False,  # keyed rows: one B-tree instead of rowid table + index
    )
    Index(f"ix_placement_segment{suffix}_first", segment.c.first_day)
    return PlacementTables(metadata, state, change, segment)
