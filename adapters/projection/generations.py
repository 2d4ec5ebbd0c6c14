"""Which generation of each projection's tables is live, and the code version it was
built by. Reading it writes nothing: on a store no writer has projected yet there is no
generation, and readers answer from an empty model."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection, Engine, select

from adapters.eventstore.engine import control_table_exists
from adapters.readmodels.tracking import GENERATION_TABLE


class Generation(NamedTuple):
    generation: int
    version: int  # of the code that built it


def live_generations(engine: Engine) -> dict[str, Generation]:
    """Every projection's live generation, by projection name (read only)."""
    table = GENERATION_TABLE
    if not control_table_exists(engine, table.name):
        return {}
    with engine.connect() as conn:
        return {
            row.projection: Generation(row.generation, row.version)
            for row in conn.execute(select(table.c.projection, table.c.generation, table.c.version))
        }


def live_generation(engine: Engine, projection: str) -> Generation | None:
    return live_generations(engine).get(projection)


def live_generation_in(conn: Connection, projection: str) -> Generation | None:
    """The same, within a writer's transaction (whose tables exist)."""
    g = GENERATION_TABLE
    row = conn.execute(
        select(g.c.generation, g.c.version).where(g.c.projection == projection)
    ).first()
    return Generation(row.generation, row.version) if row is not None else None


def set_live(
    conn: Connection, projection: str, generation: int, version: int, *, first: bool
) -> None:
    """Make `generation` the live one, in the caller's transaction."""
    g = GENERATION_TABLE
    values = {"generation": generation, "version": version}
    if first:
        conn.execute(g.insert().values(projection=projection, **values))
    else:
        conn.execute(g.update().where(g.c.projection == projection).values(**values))
