"""`volym verify`: every projection rebuilt aside in memory from the log, up to the
position the live one has processed, and compared with it table by table. It reads only:
a live projection that is behind is compared at its own position."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select

from adapters.eventstore.store import Store
from adapters.projection.projector import AnyProjector, memory_view
from adapters.projection.replay import view_from_log
from adapters.readmodels.tracking import Failure, SqlGenerationView
from adapters.readmodels.versions import VALID_FROM

_SHOWN = 3  # keys named per difference; the rest are counted

Rows = dict[tuple[Any, ...], tuple[Any, ...]]


def verify(store: Store, projectors: dict[str, AnyProjector]) -> list[str]:
    """One line per difference, naming the projection, the table and the rows' keys (never
    their content: rows hold pseudonyms)."""
    differences: list[str] = []
    for name, projector in projectors.items():
        live = projector.live_view()
        if live is None:
            live = memory_view(projector.projection)  # nothing projected: nothing stored
        differences += [_failed(name, f) for f in live.failures_of(projector.tracking_name(live))]
        position = projector.position(live)
        aside = view_from_log(store, projector.projection, upto=position)
        aside_tables = {_base(t.name): t for t in aside.metadata.sorted_tables}
        for table in live.metadata.sorted_tables:
            other = aside_tables[_base(table.name)]
            differences += _compare(name, table, _rows(live, table), _rows(aside, other))
    return differences


def _rows(view: SqlGenerationView, table: Table) -> Rows:
    keys = [c.name for c in table.primary_key.columns]
    with view.engine.connect() as conn:
        found = {
            tuple(row._mapping[k] for k in keys): tuple(row) for row in conn.execute(select(table))
        }
    if VALID_FROM not in keys:
        return found
    names = [c.name for c in table.columns]
    return _coalesced(found, [names.index(k) for k in keys])


def _coalesced(rows: Rows, key_at: list[int]) -> Rows:
    """A history table's rows with each run of equal versions of a row, one directly
    after the other, as one: a batch that touched an aggregate without changing its
    rows opens a version like the last, and where the batches fell must not matter."""
    merged: Rows = {}
    by_row = sorted(rows.values(), key=lambda r: (tuple(map(str, r[:-2])), r[-2]))
    previous: list[object] | None = None
    for row in by_row:
        *content, valid_from, valid_to = row
        if previous is not None and previous[:-2] == content and previous[-1] == valid_from:
            previous[-1] = valid_to
            continue
        if previous is not None:
            merged[tuple(previous[n] for n in key_at)] = tuple(previous)
        previous = [*content, valid_from, valid_to]
    if previous is not None:
        merged[tuple(previous[n] for n in key_at)] = tuple(previous)
    return merged


def _compare(projection: str, table: Table, live: Rows, rebuilt: Rows) -> list[str]:
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


def _failed(projection: str, failure: Failure) -> str:
    where = f"event {failure.notification_id}" if failure.notification_id else "an event"
    kind = failure.topic.rpartition(":")[2] or failure.topic
    return (
        f"{projection}: {where} ({kind}) of aggregate {failure.aggregate} could not be "
        f"applied and is left out: {failure.reason}"
    )


def _base(table_name: str) -> str:
    return table_name.rpartition("_g")[0]
