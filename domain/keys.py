"""Each aggregate's id: a name-based UUID of its source and its id within that source, so
the same feed id always names the same aggregate. Apart from the aggregates themselves: a
command that only reads (a report, `volym history`'s lookup) needs the key, not the
aggregate's event classes, which take a noticeable part of start-up to build."""

from __future__ import annotations

from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

PLACEMENT = uuid5(NAMESPACE_URL, "https://volym.se/ns/placement")
INVESTIGATION = uuid5(NAMESPACE_URL, "https://volym.se/ns/investigation")
HOUSEHOLD = uuid5(NAMESPACE_URL, "https://volym.se/ns/household")


def aggregate_id(namespace: UUID, source: str, ident: str) -> UUID:
    """The same (source, id) always names the same aggregate."""
    return uuid5(namespace, f"{source}\x1f{ident}")


@lru_cache(maxsize=1 << 17)
def placement_key(source: str, placement_id: str) -> UUID:
    return aggregate_id(PLACEMENT, source, placement_id)


@lru_cache(maxsize=1 << 16)
def investigation_key(source: str, case_id: str) -> UUID:
    return aggregate_id(INVESTIGATION, source, case_id)


@lru_cache(maxsize=1 << 16)
def household_key(source: str, household_id: str) -> UUID:
    return aggregate_id(HOUSEHOLD, source, household_id)
