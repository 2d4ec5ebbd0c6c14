"""A lock per projection rebuild, across processes: two rebuilds of one projection would
build the same next generation and drop each other's half-built tables."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from adapters.eventstore.store import Store, owner_only


@contextmanager
def rebuild_lock(store: Store, projection: str) -> Iterator[None]:
    name = f"volym-rebuild/{projection}"
    if store.is_postgres:
        # A session lock on a connection of its own, held for the whole rebuild (a
        # transaction lock would end with the rebuild's first batch).
        with store.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(hashtext(:name))"), {"name": name})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:name))"), {"name": name})
                conn.commit()
        return
    path = Path(f"{store.url.database}.{projection}.rebuild-lock")
    # Owner-only like the database beside it: flock needs only a descriptor opened for
    # reading, so a lock file others can read is one they can hold and stall rebuilds with.
    owner_only(path)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, even on a crash
        yield
