"""The case-system feed, contract v1 (shared/spec/feed.md), validated with pydantic.

`parse_line` turns one JSON Lines line into a typed event or into every reason it is not
one. Person identifiers are replaced by pseudonyms during validation (through the
validation context), so the clear number never outlives this module."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from adapters.feed.identity import InvalidIdentifier, Person, Pseudonymizer
from domain.vocabulary import (
    DECISIONS,
    FORMS,
    INVESTIGATION_TARGET_GROUPS,
    LEGAL_BASES,
    OUTCOMES,
    PAYMENT_KINDS,
    PLACEMENT_TARGET_GROUPS,
    REGI,
    REPORTERS,
    ROUTES,
)

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


class _WithPerson(FeedEvent):
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


class PlacementStarted(_WithPerson):
    type: Literal["placement.started"]
    placement_id: Key
    person: Any
    form: Literal[FORMS]  # type: ignore[valid-type]
    legal_basis: Literal[LEGAL_BASES]  # type: ignore[valid-type]
    target_group: Literal[PLACEMENT_TARGET_GROUPS]  # type: ignore[valid-type]
    regi: Literal[REGI]  # type: ignore[valid-type]
    daily_cost: Money
    provider: Text | None = None
    unaccompanied: StrictBool = False
    accompanying_children: Annotated[StrictInt, Field(ge=0)] = 0


class PlacementChanged(FeedEvent):
    type: Literal["placement.changed"]
    placement_id: Key
    form: Literal[FORMS] | None = None  # type: ignore[valid-type]
    legal_basis: Literal[LEGAL_BASES] | None = None  # type: ignore[valid-type]
    regi: Literal[REGI] | None = None  # type: ignore[valid-type]
    daily_cost: Money | None = None
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


class InvestigationReported(_WithPerson):
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


class HouseholdRegistered(_WithPerson):
    type: Literal["household.registered"]
    household_id: Key
    applicant: Any
    co_applicant: Any = None
    children: Annotated[StrictInt, Field(ge=0)] = 0
    newly_arrived: StrictBool = False


class HouseholdChanged(_WithPerson):
    type: Literal["household.changed"]
    household_id: Key
    co_applicant: Any = None  # null removes the co-applicant
    children: Annotated[StrictInt, Field(ge=0)] | None = None
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


MODELS: dict[str, type[FeedEvent]] = {
    "placement.started": PlacementStarted,
    "placement.changed": PlacementChanged,
    "placement.ended": PlacementEnded,
    "placement.voided": PlacementVoided,
    "investigation.reported": InvestigationReported,
    "investigation.assessed": InvestigationAssessed,
    "investigation.opened": InvestigationOpened,
    "investigation.extended": InvestigationExtended,
    "investigation.closed": InvestigationClosed,
    "household.registered": HouseholdRegistered,
    "household.changed": HouseholdChanged,
    "household.paid": HouseholdPaid,
    "household.payment_reversed": HouseholdPaymentReversed,
    "household.closed": HouseholdClosed,
}


@dataclass(frozen=True)
class ParsedLine:
    event: FeedEvent
    digest: str  # keyed digest of the canonical body: the idempotency comparison


class LineRejected(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


_ANY_EVENT: TypeAdapter[Any] = TypeAdapter(
    Annotated[
        PlacementStarted
        | PlacementChanged
        | PlacementEnded
        | PlacementVoided
        | InvestigationReported
        | InvestigationAssessed
        | InvestigationOpened
        | InvestigationExtended
        | InvestigationClosed
        | HouseholdRegistered
        | HouseholdChanged
        | HouseholdPaid
        | HouseholdPaymentReversed
        | HouseholdClosed,
        Field(discriminator="type"),
    ]
)


def parse_line(text: str | bytes, pseudonymizer: Pseudonymizer) -> ParsedLine:
    """One feed line: validated from its JSON text in one pass (pydantic-core parses it)."""
    try:
        event = _ANY_EVENT.validate_json(
            text, strict=True, context={"pseudonymizer": pseudonymizer}
        )
    except ValidationError as error:
        raise LineRejected(_line_reasons(text, error, pseudonymizer)) from None
    canonical = orjson.dumps(orjson.loads(text), option=orjson.OPT_SORT_KEYS)
    return ParsedLine(event, pseudonymizer.digest(canonical))


def _line_reasons(
    text: str | bytes, error: ValidationError, pseudonymizer: Pseudonymizer
) -> list[str]:
    first = error.errors(include_input=False, include_url=False)[0]
    if first["type"] == "json_invalid":
        return [f"not valid JSON ({first['msg'].removeprefix('Invalid JSON: ')})"]
    if first["type"] in ("union_tag_invalid", "union_tag_not_found", "model_type", "dict_type"):
        obj = orjson.loads(text)
        if not isinstance(obj, dict):
            return ["a line must be one JSON object"]
        reasons = [_unknown_type_reason(obj.get("type"))]
        try:  # still report what is wrong with the envelope
            FeedEvent.model_validate_json(
                orjson.dumps({**obj, "type": "x"}),
                strict=True,
                context={"pseudonymizer": pseudonymizer},
            )
        except ValidationError as envelope:
            reasons += [r for r in _reasons(envelope) if not r.startswith("(")]
        return reasons
    return _reasons(error, skip_tag=True)


def _unknown_type_reason(kind: Any) -> str:
    if kind is None:
        return "type: missing"
    return f"type: unknown event type {kind!r}; expected one of {', '.join(MODELS)}"


def _reasons(error: ValidationError, *, skip_tag: bool = False) -> list[str]:
    reasons = []
    for item in error.errors(include_input=False, include_url=False):
        loc = item["loc"][1:] if skip_tag else item["loc"]
        field = ".".join(str(part) for part in loc) or "(line)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field (not in contract v1)"
        elif item["type"] == "missing":
            message = "required field is missing"
        reasons.append(f"{field}: {message}")
    return reasons
