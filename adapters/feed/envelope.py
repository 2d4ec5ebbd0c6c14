"""The case-system feed, contract v1 (shared/spec/feed.md): the envelope every event has,
the field types of the contract, and person fields that are pseudonymized during
validation (through the validation context), so the clear number never outlives it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from adapters.feed.identity import InvalidIdentifier, Person, Pseudonymizer

_MONEY = re.compile(r"^\d+(\.\d{1,2})?$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('must be a decimal amount in SEK, e.g. "4150.00"')
    text = value if isinstance(value, str) else repr(value)
    if not _MONEY.match(text):
        raise ValueError("must be a non-negative amount with at most two decimals")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError("must be a decimal amount") from None


def _positive_money(value: Any) -> Decimal:
    amount = _money(value)
    if amount <= 0:
        raise ValueError("must be above zero")
    return amount


def _month(value: Any) -> date:
    if not isinstance(value, str) or not _MONTH.match(value):
        raise ValueError('must be a month written YYYY-MM, e.g. "2023-05"')
    return date(int(value[:4]), int(value[5:]), 1)


StrictDate = date  # strict JSON mode: exactly YYYY-MM-DD and a real date
Timestamp = AwareDatetime  # RFC 3339: an offset is required
Money = Annotated[Decimal, BeforeValidator(_money)]
PositiveMoney = Annotated[Decimal, BeforeValidator(_positive_money)]
Month = Annotated[date, BeforeValidator(_month)]  # the first day of the month
Key = Annotated[str, Field(min_length=1, max_length=128)]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class FeedEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    event_id: Key
    source: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9._-]+$")]
    type: str
    occurred_on: StrictDate
    recorded_at: Timestamp | None = None


class WithPerson(FeedEvent):
    @field_validator("person", "applicant", "co_applicant", mode="before", check_fields=False)
    @classmethod
    def _pseudonymize(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or isinstance(value, Person):
            return value
        if not isinstance(value, str):
            raise ValueError("must be a personnummer or samordningsnummer as a string")
        pseudonymizer: Pseudonymizer = (info.context or {})["pseudonymizer"]
        on = info.data.get("occurred_on") or date.today()
        try:
            return pseudonymizer.person(value, on)
        except InvalidIdentifier as reason:
            raise ValueError(str(reason)) from None
