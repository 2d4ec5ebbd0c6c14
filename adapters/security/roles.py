"""The roles of http.md and what each may do; each role may what the one before it may
(integrator apart: it only posts events)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    integrator = "integrator"
    reader = "reader"
    auditor = "auditor"
    admin = "admin"


# What an action needs: the roles allowed to take it.
POST_EVENTS = frozenset({Role.integrator})
READ_AGGREGATES = frozenset({Role.reader, Role.auditor, Role.admin})
READ_CASES = frozenset({Role.auditor, Role.admin})  # history, explain, the access log
MAINTAIN = frozenset({Role.admin})  # rebuild, verify
