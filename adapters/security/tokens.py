"""API tokens: made once (at least 256 random bits), stored only as a SHA-256 hash, with
a role, the sources an integrator may post for, an expiry and the time of last use.
A revoked or expired token is refused at once, also by a server already running: every
request looks the token up."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import orjson
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    MetaData,
    RowMapping,
    String,
    Table,
    Text,
    inspect,
    select,
)

from adapters.errors import UserError
from adapters.eventstore.engine import create_all, create_all_once, writing
from adapters.security.roles import Role

# How finely `volym token list` tells when a token was last used.
LAST_USED_GRAIN = timedelta(minutes=1)

PREFIX = "volym_"  # so a leaked token is recognisable in a scan


def token_table(metadata: MetaData) -> Table:
    return Table(
        "volym_token",
        metadata,
        Column("name", String(64), primary_key=True),
        Column("digest", String(64), nullable=False, unique=True),
        Column("role", String(16), nullable=False),
        Column("sources", Text, nullable=False),  # a JSON list
        Column("created", DateTime(timezone=True), nullable=False),
        Column("expires", DateTime(timezone=True)),
        Column("last_used", DateTime(timezone=True)),
        Column("revoked", Boolean, nullable=False),
    )


@dataclass(frozen=True)
class Token:
    name: str
    role: Role
    sources: tuple[str, ...]
    created: datetime
    expires: datetime | None
    last_used: datetime | None
    revoked: bool


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Tokens:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.metadata = MetaData()
        self.table = token_table(self.metadata)

    def create(
        self, name: str, role: Role, sources: list[str], expires: date | None
    ) -> str:
        """The new token, shown once; only its hash is kept."""
        if role is Role.integrator and not sources:
            raise UserError("an integrator token needs at least one --source")
        if role is not Role.integrator and sources:
            raise UserError("--source is for integrator tokens only")
        secret = PREFIX + secrets.token_urlsafe(32)  # 256 random bits
        create_all(self.engine, self.metadata)
        t = self.table
        with writing(self.engine) as conn:
            if conn.execute(select(t.c.name).where(t.c.name == name)).first() is not None:
                raise UserError(f"a token named {name} exists; revoke it or choose another name")
            conn.execute(
                t.insert().values(
                    name=name,
                    digest=digest_of(secret),
                    role=role.value,
                    sources=orjson.dumps(sorted(set(sources))).decode(),
                    created=datetime.now(UTC),
                    expires=(
                        datetime(expires.year, expires.month, expires.day, tzinfo=UTC)
                        if expires
                        else None
                    ),
                    last_used=None,
                    revoked=False,
                )
            )
        return secret

    def revoke(self, name: str) -> None:
        t = self.table
        create_all(self.engine, self.metadata)
        with writing(self.engine) as conn:
            done = conn.execute(t.update().where(t.c.name == name).values(revoked=True)).rowcount
        if not done:
            raise UserError(f"no token named {name}")

    def all(self) -> list[Token]:
        if not inspect(self.engine).has_table(self.table.name):
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.table).order_by(self.table.c.name))
            return [_token(row._mapping) for row in rows]

    def check(self, secret: str, now: datetime) -> Token | None:
        """The token for this secret if it may be used now; its last use is noted, to the
        minute (a write per request cost a commit, and so a disk flush, per request)."""
        t = self.table
        create_all_once(self.engine, self.metadata)  # a server with no token made yet
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.digest == digest_of(secret))).first()
        if row is None:
            return None
        token = _token(row._mapping)
        if token.revoked or (token.expires is not None and token.expires <= now):
            return None
        if token.last_used is None or now - token.last_used >= LAST_USED_GRAIN:
            with writing(self.engine) as conn:
                conn.execute(t.update().where(t.c.name == token.name).values(last_used=now))
        return token


def _token(m: RowMapping) -> Token:
    return Token(
        name=m["name"],
        role=Role(m["role"]),
        sources=tuple(orjson.loads(m["sources"])),
        created=_aware(m["created"]),
        expires=_aware(m["expires"]) if m["expires"] else None,
        last_used=_aware(m["last_used"]) if m["last_used"] else None,
        revoked=bool(m["revoked"]),
    )


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
