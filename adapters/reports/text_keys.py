"""Text keys counted distinct or grouped by (a person's pseudonym), compared as bytes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement


def bytewise(column: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """`column` compared byte by byte on PostgreSQL (COLLATE "C"). Under a database's
    default collation (C.UTF-8, or a language's) PostgreSQL compares text through the C
    library and gives up its abbreviated sort keys, and counting persons is mostly
    sorting them. Only a pseudonym's equality matters, which is byte equality under any
    deterministic collation. Measured on ten million events: the investigations year's
    statement 600 -> 500 ms, the placements year's 42 -> 36 ms. SQLite compares bytes
    already."""
    return column.collate("C") if dialect == "postgresql" else column
