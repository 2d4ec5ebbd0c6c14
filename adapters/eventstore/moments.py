"""When each stored transaction was committed: one row per commit, written in the same
transaction as its events (both recorders), so that "as of a moment" is a position in the
log found by an index rather than by decoding every event's timestamp.

A commit's events become visible together, so the states a report could have shown are
the log's prefixes that end where a commit ends; the read models' versions are kept at
those positions (adapters.readmodels.versions). A store written before this table
existed has events no row covers: each of them counts as a commit of its own, and a
moment before the first row is answered by replay."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

TABLE = "log_moment"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SQLITE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (last_id INTEGER PRIMARY KEY, "
    "first_id INTEGER NOT NULL, stored_at INTEGER NOT NULL)"
)
SQLITE_INDEX = f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_stored_at ON {TABLE} (stored_at)"


def postgres_ddl(schema: str) -> list[str]:
    return [
        f'CREATE TABLE IF NOT EXISTS "{schema}".{TABLE} (last_id bigint PRIMARY KEY, '
        "first_id bigint NOT NULL, stored_at bigint NOT NULL)",
        f'CREATE INDEX IF NOT EXISTS ix_{TABLE}_stored_at ON "{schema}".{TABLE} (stored_at)',
    ]


def microseconds(moment: datetime) -> int:
    """A moment as whole microseconds since 1970 (UTC): exact, and the same on both
    databases."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def now_microseconds() -> int:
    # datetime.now, as the library stamps events: a test's frozen clock freezes both.
    return microseconds(datetime.now(UTC))


@dataclass(frozen=True)
class Commits:
    """The commits that end in a stretch of the log: their last positions, in order, and
    the first position the table covers (events before it are commits of their own)."""

    ends: Sequence[int]
    covered_from: int

    def end_of(self, position: int) -> int:
        """The position where the commit holding `position` ends."""
        if position < self.covered_from:
            return position
        found = bisect_left(self.ends, position)
        return self.ends[found] if found < len(self.ends) else position

    def splits_at(self, after: int) -> set[int]:
        """The commit that a stretch of the log beginning after `after` begins inside
        of (none: it begins with a commit)."""
        end = self.end_of(after) if after else after
        return {end} if end != after else set()


def has_moments(conn: Connection) -> bool:
    from sqlalchemy import inspect

    return inspect(conn).has_table(TABLE)


def commits(conn: Connection, after: int, upto: int) -> Commits:
    """The commits holding positions after..upto."""
    if not has_moments(conn):
        return Commits((), upto + 1)
    ends = [
        row[0]
        for row in conn.execute(
            text(
                f"SELECT last_id FROM {TABLE} WHERE last_id > :a AND first_id <= :u "
                "ORDER BY last_id"
            ),
            {"a": after, "u": upto},
        )
    ]
    first = conn.execute(text(f"SELECT MIN(first_id) FROM {TABLE}")).scalar()
    return Commits(ends, first if first is not None else upto + 1)


@dataclass(frozen=True)
class Moment:
    """Where the log stood at a moment: `position` is the last position committed by then
    (0: nothing yet); `known` is False when the moment lies before what the table
    records while older events exist (a store written before it: replay answers)."""

    position: int
    known: bool


def position_at(conn: Connection, moment: datetime) -> Moment:
    """The end of the longest run of commits, from the start, all stored at or before
    `moment`."""
    if not has_moments(conn):
        return Moment(0, False)
    at = microseconds(moment)
    later = conn.execute(
        text(f"SELECT MIN(last_id) FROM {TABLE} WHERE stored_at > :t"), {"t": at}
    ).scalar()
    if later is None:
        last = conn.execute(text(f"SELECT MAX(last_id) FROM {TABLE}")).scalar()
    else:
        last = conn.execute(
            text(f"SELECT MAX(last_id) FROM {TABLE} WHERE last_id < :p"), {"p": later}
        ).scalar()
    first = conn.execute(text(f"SELECT MIN(first_id) FROM {TABLE}")).scalar()
    if first is None or first > 1:  # events older than the table, or none recorded
        return Moment(0, False)
    return Moment(int(last or 0), True)
