"""The feed contract as a parser: one JSON Lines line to a typed event, or to every reason
it is not one. Built from the event models of the streams volym knows (adapters.streams),
so a new stream brings its own models and nothing here changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args

import orjson
from pydantic import Field, TypeAdapter, ValidationError

from adapters.feed.envelope import FeedEvent
from adapters.feed.identity import Pseudonymizer


@dataclass(frozen=True)
class ParsedLine:
    event: FeedEvent
    digest: str  # keyed digest of the canonical body: the idempotency comparison


class LineRejected(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class FeedContract:
    """The feed's event types, each validated by its own model, chosen by `type`."""

    def __init__(self, models: Sequence[type[FeedEvent]]) -> None:
        self.models = {event_type(model): model for model in models}
        union: Any = Union[tuple(models)]  # noqa: UP007 - built at run time from the specs
        self._any_event: TypeAdapter[FeedEvent] = TypeAdapter(
            Annotated[union, Field(discriminator="type")]
        )

    def parse_line(self, text: str | bytes, pseudonymizer: Pseudonymizer) -> ParsedLine:
        """One feed line: validated from its JSON text in one pass (pydantic-core parses
        it)."""
        try:
            event = self._any_event.validate_json(
                text, strict=True, context={"pseudonymizer": pseudonymizer}
            )
        except ValidationError as error:
            raise LineRejected(self._line_reasons(text, error, pseudonymizer)) from None
        canonical = orjson.dumps(orjson.loads(text), option=orjson.OPT_SORT_KEYS)
        return ParsedLine(event, pseudonymizer.digest(canonical))

    def _line_reasons(
        self, text: str | bytes, error: ValidationError, pseudonymizer: Pseudonymizer
    ) -> list[str]:
        first = error.errors(include_input=False, include_url=False)[0]
        if first["type"] == "json_invalid":
            return [f"not valid JSON ({first['msg'].removeprefix('Invalid JSON: ')})"]
        if first["type"] in (
            "union_tag_invalid",
            "union_tag_not_found",
            "model_type",
            "dict_type",
        ):
            obj = orjson.loads(text)
            if not isinstance(obj, dict):
                return ["a line must be one JSON object"]
            reasons = [self._unknown_type_reason(obj.get("type"))]
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

    def _unknown_type_reason(self, kind: object) -> str:
        if kind is None:
            return "type: missing"
        return f"type: unknown event type {kind!r}; expected one of {', '.join(self.models)}"


def event_type(model: type[FeedEvent]) -> str:
    """The `type` a model takes: its field is a Literal of one name."""
    annotation = model.model_fields["type"].annotation
    (name,) = get_args(annotation)
    return str(name)


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
