"""Use cases of access: tokens (made, listed, withdrawn), who is calling (a token), and
the access log (appended, read, its chain checked)."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from adapters.eventstore.engine import once_per_engine
from adapters.eventstore.store import Store
from adapters.security.access_log import Access, AccessLog, Entry, cli_actor
from adapters.security.roles import Role
from adapters.security.tokens import Token, Tokens

__all__ = [
    "Access",
    "Appender",
    "Entry",
    "Role",
    "Token",
    "access_log",
    "authenticate",
    "cli_actor",
    "create_token",
    "list_tokens",
    "record",
    "revoke_token",
    "verify_access_log",
]


APPENDED_TOGETHER = 200  # entries in one transaction at most


def _tokens(engine: Engine) -> Tokens:
    return once_per_engine(engine, Tokens, lambda: Tokens(engine))


def _access_log(engine: Engine) -> AccessLog:
    return once_per_engine(engine, AccessLog, lambda: AccessLog(engine))


def create_token(
    store: Store, name: str, role: Role, sources: list[str], expires: date | None
) -> str:
    """The new token (shown once, stored only as a hash)."""
    secret = _tokens(store.engine).create(name, role, sources, expires)
    asked = {"name": name, "role": role.value, "sources": sorted(sources)}
    record(store, Access(cli_actor(), "cli", "token.create", asked))
    return secret


def revoke_token(store: Store, name: str) -> None:
    _tokens(store.engine).revoke(name)
    record(store, Access(cli_actor(), "cli", "token.revoke", {"name": name}))


def list_tokens(store: Store) -> list[Token]:
    return _tokens(store.engine).all()


def authenticate(store: Store, secret: str) -> Token | None:
    """The token whose secret this is, if it is neither revoked nor expired."""
    return _tokens(store.engine).check(secret, datetime.now(UTC))


def record(store: Store, access: Access) -> None:
    _access_log(store.engine).append(access)


class Appender:
    """For a server: each request's entry appended by one thread, the entries that came
    meanwhile in one transaction (appends take turns at the chain's one end anyway; one
    each was a lock, a commit and a disk flush per request, a fifth of a report's time
    under load). `append` returns when its entry is stored."""

    def __init__(self, store: Store) -> None:
        self.log = _access_log(store.engine)
        self._waiting: queue.Queue[tuple[Access, Future[None]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
        self._thread.start()

    def append(self, access: Access) -> Future[None]:
        done: Future[None] = Future()
        self._waiting.put((access, done))
        return done

    def stop(self) -> None:
        """After the entries handed in."""
        self._waiting.put(None)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._waiting.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < APPENDED_TOGETHER:
                try:
                    more = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            try:
                self.log.append_all([access for access, _ in batch])
            except Exception as error:  # each request answers for its own entry
                for _, done in batch:
                    done.set_exception(error)
            else:
                for _, done in batch:
                    done.set_result(None)


def access_log(
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor: str | None = None,
    subject: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[Entry]:
    """Entries, newest first; a moment without an offset is UTC, as the log's times are."""
    since, until = _utc(since), _utc(until)
    return _access_log(store.engine).entries(
        since=since, until=until, actor=actor, subject=subject, limit=limit, offset=offset
    )


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def verify_access_log(store: Store) -> str | None:
    """None when the chain holds; else the first entry that does not fit."""
    return _access_log(store.engine).verify()
