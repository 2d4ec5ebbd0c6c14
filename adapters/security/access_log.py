"""The access log of http.md: one entry per request, allowed or refused, and per
command-line report, explain and history; append-only, each entry's digest the SHA-256
of the previous digest and the entry, so that a change behind volym's back breaks the
chain where it was made. volym never updates or deletes an entry."""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import BigInteger, Column, Engine, MetaData, String, Table, Text, inspect, select

from adapters.eventstore.engine import create_all_once, lock_schema, writing

GENESIS = "0" * 64  # the "previous digest" of the first entry
ACTION_LENGTH = 64  # an action's name at most; callers cut longer ones (an odd URL)


def access_table(metadata: MetaData) -> Table:
    return Table(
        "volym_access_log",
        metadata,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("at", String(40), nullable=False),  # ISO 8601, UTC: hashed as written
        Column("actor", String(128), nullable=False),
        Column("role", String(16), nullable=False),
        Column("action", String(ACTION_LENGTH), nullable=False),
        Column("parameters", Text, nullable=False),  # JSON
        Column("outcome", String(300), nullable=False),
        Column("subjects", Text, nullable=False),  # JSON list
        Column("digest", String(64), nullable=False),
    )


@dataclass(frozen=True)
class Access:
    actor: str  # a token's name, or cli:USER
    role: str
    action: str  # e.g. events.post, report.placements, history.placement
    parameters: dict[str, Any] = field(default_factory=dict)  # JSON values
    outcome: str = "ok"  # a status code, ok, or the one-line error
    subjects: Sequence[str] = ()  # aggregates (source/id) and pseudonyms shown


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    actor: str
    role: str
    action: str
    parameters: dict[str, Any]
    outcome: str
    subjects: list[str]
    digest: str


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container)
        return "cli:unknown"


def _canonical(seq: int, at: str, access: Access) -> bytes:
    return orjson.dumps(
        {
            "seq": seq,
            "at": at,
            "actor": access.actor,
            "role": access.role,
            "action": access.action,
            "parameters": access.parameters,
            "outcome": access.outcome,
            "subjects": list(access.subjects),
        },
        option=orjson.OPT_SORT_KEYS,
    )


def chained(previous: str, seq: int, at: str, access: Access) -> str:
    return hashlib.sha256(previous.encode() + _canonical(seq, at, access)).hexdigest()


class AccessLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.metadata = MetaData()
        self.table = access_table(self.metadata)

    def append(self, access: Access) -> None:
        """One entry, chained to the last; appends take turns (the chain has one end)."""
        self.append_all([access])

    def append_all(self, accesses: Sequence[Access]) -> None:
        """Entries in this order, chained to the last, in one transaction (a server's
        requests of the same moment: one commit, one disk flush, for all of them)."""
        create_all_once(self.engine, self.metadata)
        t = self.table
        with writing(self.engine) as conn:
            lock_schema(conn)
            last = conn.execute(
                select(t.c.seq, t.c.digest).order_by(t.c.seq.desc()).limit(1)
            ).first()
            seq = last.seq if last else 0
            previous = last.digest if last else GENESIS
            rows = []
            for given in accesses:
                # As stored and read back: JSON values, the outcome kept to 300 characters.
                access = Access(
                    given.actor,
                    given.role,
                    given.action,
                    orjson.loads(orjson.dumps(given.parameters)),
                    given.outcome[:300],
                    [str(s) for s in given.subjects],
                )
                seq += 1
                at = datetime.now(UTC).isoformat(timespec="microseconds")
                previous = chained(previous, seq, at, access)
                rows.append(
                    {
                        "seq": seq,
                        "at": at,
                        "actor": access.actor,
                        "role": access.role,
                        "action": access.action,
                        "parameters": orjson.dumps(access.parameters).decode(),
                        "outcome": access.outcome,
                        "subjects": orjson.dumps(list(access.subjects)).decode(),
                        "digest": previous,
                    }
                )
            if rows:
                conn.execute(t.insert(), rows)

    def entries(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        actor: str | None = None,
        subject: str | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[Entry]:
        """Newest first."""
        t = self.table
        if not inspect(self.engine).has_table(t.name):
            return []
        query = select(t).order_by(t.c.seq.desc())
        if since is not None:
            query = query.where(t.c.at >= since.astimezone(UTC).isoformat())
        if until is not None:
            query = query.where(t.c.at < until.astimezone(UTC).isoformat())
        if actor is not None:
            query = query.where(t.c.actor == actor)
        if subject is not None:
            query = query.where(t.c.subjects.contains(orjson.dumps(subject).decode()))
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit).offset(offset))
            return [_entry(row._mapping) for row in rows]

    def verify(self) -> str | None:
        """None when the chain holds; else which entry does not fit, and how."""
        t = self.table
        if not inspect(self.engine).has_table(t.name):
            return None
        previous, expected = GENESIS, 1
        with self.engine.connect() as conn:
            for row in conn.execute(select(t).order_by(t.c.seq)):
                entry = _entry(row._mapping)
                if entry.seq != expected:
                    return f"entry {expected} is missing (the next is {entry.seq})"
                access = Access(
                    entry.actor,
                    entry.role,
                    entry.action,
                    entry.parameters,
                    entry.outcome,
                    entry.subjects,
                )
                if chained(previous, entry.seq, entry.at, access) != entry.digest:
                    return f"entry {entry.seq} ({entry.at}, {entry.action}) was changed"
                previous, expected = entry.digest, expected + 1
        return None


def _entry(m: Any) -> Entry:
    return Entry(
        seq=int(m["seq"]),
        at=m["at"],
        actor=m["actor"],
        role=m["role"],
        action=m["action"],
        parameters=orjson.loads(m["parameters"]),
        outcome=m["outcome"],
        subjects=orjson.loads(m["subjects"]),
        digest=m["digest"],
    )
