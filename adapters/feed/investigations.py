"""The feed's investigation events (feed.md, investigation.*)."""

from __future__ import annotations

from typing import Any, Literal

from adapters.feed.envelope import (
    FeedEvent,
    Key,
    StrictDate,
    Text,
    WithPerson,
)
from domain.vocabulary import DECISIONS, INVESTIGATION_TARGET_GROUPS, OUTCOMES, REPORTERS, ROUTES


class InvestigationReported(WithPerson):
    type: Literal["investigation.reported"]
    case_id: Key
    person: Any
    target_group: Literal[INVESTIGATION_TARGET_GROUPS]  # type: ignore[valid-type]
    route: Literal[ROUTES]  # type: ignore[valid-type]
    reporter: Literal[REPORTERS] | None = None  # type: ignore[valid-type]


class InvestigationAssessed(FeedEvent):
    type: Literal["investigation.assessed"]
    case_id: Key
    decision: Literal[DECISIONS]  # type: ignore[valid-type]


class InvestigationOpened(FeedEvent):
    type: Literal["investigation.opened"]
    case_id: Key


class InvestigationExtended(FeedEvent):
    type: Literal["investigation.extended"]
    case_id: Key
    until: StrictDate
    reason: Text | None = None


class InvestigationClosed(FeedEvent):
    type: Literal["investigation.closed"]
    case_id: Key
    outcome: Literal[OUTCOMES]  # type: ignore[valid-type]




EVENTS: tuple[type[FeedEvent], ...] = (
    InvestigationReported,
    InvestigationAssessed,
    InvestigationOpened,
    InvestigationExtended,
    InvestigationClosed,
)
