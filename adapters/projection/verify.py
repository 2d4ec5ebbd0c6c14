"""`volym verify`: every projection rebuilt aside in memory from the log, up to the
position the live one has processed, and compared with it table by table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select

from adapters.composition import Volym
from adapters.projection.projector import projectors
from adapters.projection.replay import view_from_log

_SHOWN = 3  # keys named per difference; the rest are counted


def verify(volym: Volym) -> list[str]:
    """One line per difference, naming the projection, the table and the rows' keys (never
    their content: rows hold pseudonyms)."""
    differences: list[str] = []
    for name, projector in projectors(volym).items():
        live = projector.live_view()
        projector.catch_up(live)
        position = live.max_tracking_id(projector.tracking_name(live)) or 0
        aside = view_from_log(volym, projector.kind, upto=position)
        aside_tables = {_base(t.name): t for t in aside.metadata.sorted_tables}
        for table in live.metadata.sorted_tables:
            other = aside_tables[_base(table.name)]
            differences += _compare(name, table, _rows(live, table), _rows(aside, other))
    return differences


def _rows(view: Any, table: Table) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    keys = [c.name for c in table.primary_key.columns]
    with view.engine.connect() as conn:
        return {
            tuple(row._mapping[k] for k in keys): tuple(row) for row in conn.execute(select(table))
        }


def _compare(
    projection: str,
    table: Table,
    live: dict[tuple[Any, ...], tuple[Any, ...]],
    rebuilt: dict[tuple[Any, ...], tuple[Any, ...]],
) -> list[str]:
    name = _base(table.name)
    found = []
    for what, keys in (
        ("only in the live model", sorted(live.keys() - rebuilt.keys())),
        ("missing from the live model", sorted(rebuilt.keys() - live.keys())),
        ("different in the live model", sorted(k for k in live.keys() & rebuilt.keys()
                                              if live[k] != rebuilt[k])),
    ):  # fmt: skip
        if keys:
            shown = ", ".join("/".join(str(part) for part in key) for key in keys[:_SHOWN])
            more = f" and {len(keys) - _SHOWN} more" if len(keys) > _SHOWN else ""
            found.append(f"{projection}: {name}: {len(keys)} rows {what}: {shown}{more}")
    return found


def _base(table_name: str) -> str:
    return table_name.rpartition("_g")[0]
