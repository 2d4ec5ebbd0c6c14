"""The feed's placement events (feed.md, placement.*)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import StrictBool, model_validator

from adapters.feed.envelope import (
    Count,
    DailyCost,
    FeedEvent,
    Key,
    Text,
    WithPerson,
)
from domain.vocabulary import FORMS, LEGAL_BASES, PLACEMENT_TARGET_GROUPS, REGI


class PlacementStarted(WithPerson):
    type: Literal["placement.started"]
    placement_id: Key
    person: Any
    form: Literal[FORMS]  # type: ignore[valid-type]
    legal_basis: Literal[LEGAL_BASES]  # type: ignore[valid-type]
    target_group: Literal[PLACEMENT_TARGET_GROUPS]  # type: ignore[valid-type]
    regi: Literal[REGI]  # type: ignore[valid-type]
    daily_cost: DailyCost
    provider: Text | None = None
    unaccompanied: StrictBool = False
    accompanying_children: Count = 0


class PlacementChanged(FeedEvent):
    type: Literal["placement.changed"]
    placement_id: Key
    form: Literal[FORMS] | None = None  # type: ignore[valid-type]
    legal_basis: Literal[LEGAL_BASES] | None = None  # type: ignore[valid-type]
    regi: Literal[REGI] | None = None  # type: ignore[valid-type]
    daily_cost: DailyCost | None = None
    provider: Text | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> PlacementChanged:
        if all(
            getattr(self, name) is None
            for name in ("form", "legal_basis", "regi", "daily_cost", "provider")
        ):
            raise ValueError("needs one or more of form, legal_basis, regi, daily_cost, provider")
        return self


class PlacementEnded(FeedEvent):
    type: Literal["placement.ended"]
    placement_id: Key
    reason: Text | None = None


class PlacementVoided(FeedEvent):
    type: Literal["placement.voided"]
    placement_id: Key
    reason: Text | None = None




EVENTS: tuple[type[FeedEvent], ...] = (
    PlacementStarted,
    PlacementChanged,
    PlacementEnded,
    PlacementVoided,
)
