"""The feed's benefit household events (feed.md, household.*)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import StrictBool, model_validator

from adapters.feed.envelope import (
    Count,
    FeedEvent,
    Key,
    Month,
    PositiveMoney,
    WithPerson,
)
from domain.vocabulary import PAYMENT_KINDS


class HouseholdRegistered(WithPerson):
    type: Literal["household.registered"]
    household_id: Key
    applicant: Any
    co_applicant: Any = None
    children: Count = 0
    newly_arrived: StrictBool = False


class HouseholdChanged(WithPerson):
    type: Literal["household.changed"]
    household_id: Key
    co_applicant: Any = None  # null removes the co-applicant
    children: Count | None = None
    newly_arrived: StrictBool | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> HouseholdChanged:
        given = self.model_fields_set & {"co_applicant", "children", "newly_arrived"}
        if not given:
            raise ValueError("needs one or more of co_applicant, children, newly_arrived")
        for name in ("children", "newly_arrived"):
            if name in given and getattr(self, name) is None:
                raise ValueError(f"{name} may not be null (only co_applicant may)")
        return self


class HouseholdPaid(FeedEvent):
    type: Literal["household.paid"]
    household_id: Key
    payment_id: Key
    month: Month
    amount: PositiveMoney
    kind: Literal[PAYMENT_KINDS] = "forsorjningsstod"  # type: ignore[valid-type]


class HouseholdPaymentReversed(FeedEvent):
    type: Literal["household.payment_reversed"]
    household_id: Key
    payment_id: Key
    amount: PositiveMoney | None = None  # the part reversed; all that is left when absent


class HouseholdClosed(FeedEvent):
    type: Literal["household.closed"]
    household_id: Key




EVENTS: tuple[type[FeedEvent], ...] = (
    HouseholdRegistered,
    HouseholdChanged,
    HouseholdPaid,
    HouseholdPaymentReversed,
    HouseholdClosed,
)
