"""`volym history`: one aggregate's full event history, as an auditor reads it: what
happened (effective date), when the case system registered it, when volym stored it.
Person data is left out: neither personnummer (never stored) nor pseudonym is shown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from domain.provenance import FedEvent

# Not facts of the event: the envelope shown in its own columns, the aggregate's ids,
# and person data (the pseudonym stands for a person and is not shown either).
_NOT_DETAILS = {
    "originator_id",
    "originator_version",
    "originator_topic",
    "timestamp",
    "event_id",
    "recorded_at",
    "occurred_on",
    "source",
    "placement_id",
    "case_id",
    "household_id",
    "person",
    "applicant",
    "co_applicant",
    "birth_date",
    "sex",
}


_HIDDEN = _NOT_DETAILS | {"values"}  # a change's values are shown as its details


@cache  # a few event classes, asked once per event shown
def feed_type(event_class: type) -> str:
    """Household.PaymentReversed -> household.payment_reversed: the feed's own names."""
    aggregate, _, name = event_class.__qualname__.partition(".")
    return f"{aggregate.lower()}.{re.sub(r'(?<!^)(?=[A-Z])', '_', name).lower()}"


def event_history(events: Sequence[FedEvent]) -> list[dict[str, Any]]:
    rows = []
    for e in events:
        facts = e.__dict__
        # A change's new values, without the person fields a household change may carry.
        changed = facts.get("values")
        if changed:
            details = {k: v for k, v in facts.items() if k not in _HIDDEN}
            details.update({k: v for k, v in changed.items() if k not in _NOT_DETAILS})
            shown = {k: _plain(v) for k, v in details.items() if v is not None}
        else:  # most events: in one pass (explain shows tens of thousands of them)
            shown = {
                k: v if isinstance(v, _AS_IS) else str(v)
                for k, v in facts.items()
                if v is not None and k not in _HIDDEN
            }
        rows.append(
            {
                "version": e.originator_version,
                "type": feed_type(type(e)),
                "event_id": e.event_id,
                "occurred_on": e.occurred_on.isoformat(),
                "recorded_at": e.recorded_at.isoformat(),
                "stored_at": e.timestamp.isoformat(),
                "details": shown,
            }
        )
    return rows


_AS_IS = (bool, int, str)  # JSON's own; any other value is shown as its text


def _plain(value: Any) -> Any:
    return value if isinstance(value, _AS_IS) else str(value)
