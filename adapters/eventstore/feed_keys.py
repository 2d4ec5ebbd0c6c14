"""The feed's idempotency keys and unique claims, stored in the same transaction as the
events a line produced: a line sent again is found by its (source, event_id) and
compared by digest; a claimed value (a payment_id) is found by (source, name, value)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class FeedKey(NamedTuple):
    """(source, event_id) of a feed line, the keyed digest of its body, and which of the
    stored events in the same insert it produced."""

    source: str
    event_id: str
    digest: str
    position: int


class Claim(NamedTuple):
    """A value the contract makes unique within a source across aggregates (a household
    payment's payment_id), claimed by one aggregate (its id in hex). Stored with the
    events of the line that claimed it; a second claim by another aggregate is refused."""

    source: str
    name: str
    value: str
    aggregate: str


def chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
