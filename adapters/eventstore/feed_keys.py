"""The feed's idempotency keys, stored in the same transaction as the events a line
produced: a line sent again is found by its (source, event_id) and compared by digest."""

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


def chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
