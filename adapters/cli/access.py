"""`volym token` and `volym access-log`, and the access log entries of the command line's
reports, explain and history (http.md)."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from adapters.application import access
from adapters.cli.output import to_json
from adapters.composition import Volym, open_volym
from adapters.errors import UserError


@contextmanager
def logged(volym: Volym, action: str, parameters: dict[str, Any]) -> Iterator[list[str]]:
    """Records one entry for a command-line read, with the subjects the block adds to the
    list it is given, and the outcome: ok, or the one-line error."""
    subjects: list[str] = []
    outcome = "ok"
    try:
        yield subjects
    except UserError as error:
        outcome = str(error)
        raise
    finally:
        entry = access.Access(access.cli_actor(), "cli", action, parameters, outcome, subjects)
        access.record(volym, entry)


def create_token(
    name: str, role: str, sources: list[str], expires: date | None, db: str | None
) -> None:
    with open_volym(db, needs_key=False) as volym:
        secret = access.create_token(volym, name, access.Role(role), sources, expires)
    print(secret)
    print(
        f"token {name} ({role}) made: this is the only time it is shown; keep it secret",
        file=sys.stderr,
    )


def revoke_token(name: str, db: str | None) -> None:
    with open_volym(db, needs_key=False) as volym:
        access.revoke_token(volym, name)
    print(f"token {name} revoked: it is refused from now on")


def list_tokens(fmt: str, db: str | None) -> None:
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        tokens = access.list_tokens(volym)
    rows: list[dict[str, Any]] = [
        {
            "name": t.name,
            "role": t.role.value,
            "sources": list(t.sources),
            "created": t.created.isoformat(),
            "expires": t.expires.date().isoformat() if t.expires else None,
            "last_used": t.last_used.isoformat() if t.last_used else None,
            "revoked": t.revoked,
        }
        for t in tokens
    ]
    if fmt == "json":
        print(to_json({"tokens": rows}), end="")
        return
    from rich.console import Console  # only where a table is drawn
    from rich.table import Table

    table = Table(title="Tokens", title_justify="left")
    for label in ("Namn", "Roll", "Källor", "Skapad", "Går ut", "Senast använd", "Återkallad"):
        table.add_column(label)
    for r in rows:
        table.add_row(
            r["name"], r["role"], ", ".join(r["sources"]), r["created"][:16],
            r["expires"] or "", (r["last_used"] or "")[:16], "ja" if r["revoked"] else "",
        )  # fmt: skip
    Console(width=200).print(table)


def show_log(
    since: datetime | None,
    until: datetime | None,
    actor: str | None,
    subject: str | None,
    fmt: str,
    db: str | None,
) -> None:
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        entries = access.access_log(volym, since=since, until=until, actor=actor, subject=subject)
        access.record(
            volym,
            access.Access(
                access.cli_actor(),
                "cli",
                "access-log.read",
                {"since": _iso(since), "until": _iso(until), "actor": actor, "subject": subject},
            ),
        )
    rows = [vars(e) for e in entries]
    if fmt == "json":
        print(to_json({"entries": rows}), end="")
    elif fmt == "csv":
        _csv(rows)
    else:
        from rich.console import Console  # only where a table is drawn
        from rich.table import Table

        table = Table(title="Åtkomstlogg", title_justify="left")
        for label in ("#", "Tid (UTC)", "Vem", "Roll", "Vad", "Utfall", "Uppgifter om"):
            table.add_column(label)
        for r in rows:
            table.add_row(
                str(r["seq"]), r["at"][:19], r["actor"], r["role"], r["action"], r["outcome"],
                ", ".join(r["subjects"]),
            )  # fmt: skip
        Console(width=200).print(table)


def verify_log(db: str | None) -> None:
    with open_volym(db, must_exist=True, needs_key=False) as volym:
        broken = access.verify_access_log(volym)
    if broken:
        raise UserError(f"the access log's chain is broken: {broken}")
    print("verified: every entry of the access log fits the chain")


def _csv(rows: Sequence[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["seq", "at", "actor", "role", "action", "outcome", "subjects", "digest"])
    for r in rows:
        writer.writerow(
            [r["seq"], r["at"], r["actor"], r["role"], r["action"], r["outcome"],
             " ".join(r["subjects"]), r["digest"]]
        )  # fmt: skip
    sys.stdout.write(buffer.getvalue())


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
