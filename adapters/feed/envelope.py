"""The case-system feed, contract v1 (shared/spec/feed.md): the envelope every event has,
the field types of the contract, and person fields that are pseudonymized during
validation (through the validation context), so the clear number never outlives it."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    ValidationInfo,
    field_validator,
)

from adapters.feed.identity import InvalidIdentifier, Person, Pseudonymizer, holds_identifier
from domain.vocabulary import age_on

# ASCII digits only: "\d" would also take other scripts' digits.
_MONEY = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")
_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
# Every date of the feed lies in these years: a typo like 20233-01-01 or 0023-01-01 is
# a reason, not a stored fact that breaks a report years later.
FIRST_YEAR, LAST_YEAR = 1900, 2100
# A day in 24-hour care costs at most a few tens of thousands of SEK; a payment to one
# household at most some hundred thousand. The bounds are far above both and far below
# what the stores' integer öre can hold.
MAX_DAILY_COST = Decimal(1_000_000)
MAX_PAYMENT = Decimal(10_000_000)
MAX_CHILDREN = 30  # accompanying a placed parent, or in one benefit household


def _money(value: Any, maximum: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('must be a decimal amount in SEK, e.g. "4150.00"')
    text = value if isinstance(value, str) else repr(value)
    if not _MONEY.match(text):
        raise ValueError("must be a non-negative amount with at most two decimals")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("must be a decimal amount") from None
    if amount >= maximum:
        raise ValueError(f"must be below {maximum:,} SEK".replace(",", " "))
    return amount


def _daily_cost(value: Any) -> Decimal:
    return _money(value, MAX_DAILY_COST)


def _payment(value: Any) -> Decimal:
    amount = _money(value, MAX_PAYMENT)
    if amount <= 0:
        raise ValueError("must be above zero")
    return amount


def _month(value: Any) -> date:
    if not isinstance(value, str) or not _MONTH.match(value):
        raise ValueError('must be a month written YYYY-MM, e.g. "2023-05"')
    return _in_years(date(int(value[:4]), int(value[5:]), 1))


def _in_years(day: date) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"must lie in the years {FIRST_YEAR}-{LAST_YEAR}")
    return day


def _moment_in_years(moment: datetime) -> datetime:
    _in_years(moment.date())
    return moment


def _plain_text(text: str) -> str:
    """No control characters (a NUL breaks PostgreSQL's text, a newline a rejects file
    line) and no lone surrogates (not UTF-8)."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise ValueError(f"must not contain control characters (found U+{ord(char):04X})")
    return text


StrictDate = Annotated[date, AfterValidator(_in_years)]  # exactly YYYY-MM-DD, a real date
Timestamp = Annotated[AwareDatetime, AfterValidator(_moment_in_years)]  # RFC 3339, offset
DailyCost = Annotated[Decimal, BeforeValidator(_daily_cost)]
PositiveMoney = Annotated[Decimal, BeforeValidator(_payment)]
Month = Annotated[date, BeforeValidator(_month)]  # the first day of the month
Key = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_plain_text)]
Text = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_plain_text)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_CHILDREN)]


class FeedEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    event_id: Key
    source: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9._-]+$")]
    type: str
    occurred_on: StrictDate
    recorded_at: Timestamp | None = None

    @field_validator("provider", "reason", check_fields=False)
    @classmethod
    def _no_identifier_in_free_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        on = info.data.get("occurred_on")
        if value is not None and on is not None and holds_identifier(value, on):
            raise ValueError(
                "looks like a personnummer or samordningsnummer; free text must not hold one "
                "(the line is not stored)"
            )
        return value


class WithPerson(FeedEvent):
    @field_validator("person", "applicant", "co_applicant", mode="before", check_fields=False)
    @classmethod
    def _pseudonymize(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name != "co_applicant":
            raise ValueError("must be a personnummer or samordningsnummer, not null")
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

    @field_validator("target_group", check_fields=False)
    @classmethod
    def _fits_the_age(cls, value: str, info: ValidationInfo) -> str:
        """feed.md: barn_unga is for ages 0-20, the vuxna_* groups for 18 or older, on
        occurred_on."""
        person, on = info.data.get("person"), info.data.get("occurred_on")
        if not isinstance(person, Person) or on is None:
            return value  # its own reason is given already
        age = age_on(person.birth_date, on)
        if value == "barn_unga" and age > 20:
            raise ValueError("barn_unga is for persons aged 0-20 on occurred_on; this one is older")
        if value.startswith("vuxna_") and age < 18:
            raise ValueError(
                f"{value} is for persons 18 or older on occurred_on; this one is younger"
            )
        return value
