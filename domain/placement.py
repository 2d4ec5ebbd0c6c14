"""The placement aggregate (placering i heldygnsvård), with the rules of feed.md.

Commands (`start`, `change`, `end`, `void`) check today's rules and then trigger an event;
the `@event` methods only change state, so replaying old history never re-runs rules."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.keys import placement_key
from domain.placement_terms import TERM_FIELDS, Segment, TermChange, Terms, segments
from domain.provenance import FedEvent


class Placement(Aggregate):
    class Event(FedEvent):
        pass

    class Started(Event, Aggregate.Created):
        source: str
        placement_id: str
        person: str  # pseudonym, never the personnummer
        birth_date: date
        sex: str
        target_group: str
        form: str
        legal_basis: str
        regi: str
        daily_cost: Decimal
        provider: str | None
        unaccompanied: bool
        accompanying_children: int

    class Changed(Event):
        values: dict[str, Any]  # the terms set from occurred_on on

    class Ended(Event):
        reason: str | None  # occurred_on is the last day in care

    class Voided(Event):
        reason: str | None

    @staticmethod
    def create_id(source: str, placement_id: str) -> UUID:
        return placement_key(source, placement_id)

    @classmethod
    def start(
        cls,
        *,
        source: str,
        placement_id: str,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        person: str,
        birth_date: date,
        sex: str,
        target_group: str,
        form: str,
        legal_basis: str,
        regi: str,
        daily_cost: Decimal,
        provider: str | None = None,
        unaccompanied: bool = False,
        accompanying_children: int = 0,
    ) -> Placement:
        # A placement that exists is refused by the caller, which alone knows the store.
        return cls(
            source=source,
            placement_id=placement_id,
            event_id=event_id,
            recorded_at=recorded_at,
            occurred_on=occurred_on,
            person=person,
            birth_date=birth_date,
            sex=sex,
            target_group=target_group,
            form=form,
            legal_basis=legal_basis,
            regi=regi,
            daily_cost=daily_cost,
            provider=provider,
            unaccompanied=unaccompanied,
            accompanying_children=accompanying_children,
        )

    @event(Started)
    def __init__(
        self,
        *,
        source: str,
        placement_id: str,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        person: str,
        birth_date: date,
        sex: str,
        target_group: str,
        form: str,
        legal_basis: str,
        regi: str,
        daily_cost: Decimal,
        provider: str | None,
        unaccompanied: bool,
        accompanying_children: int,
    ) -> None:
        self.source = source
        self.placement_id = placement_id
        self.person = person
        self.birth_date = birth_date
        self.sex = sex
        self.target_group = target_group
        self.unaccompanied = unaccompanied
        self.accompanying_children = accompanying_children
        self.first_day = occurred_on
        self.last_day: date | None = None
        self.voided = False
        self.initial_terms = Terms(form, legal_basis, regi, daily_cost, provider)
        self.changes: list[TermChange] = []

    def change(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, **values: Any
    ) -> None:
        self._refuse_if_voided("changed")
        values = {k: v for k, v in values.items() if v is not None}
        unknown = set(values) - set(TERM_FIELDS)
        if unknown:
            raise RuleViolation(f"cannot change {', '.join(sorted(unknown))}")
        if not values:
            raise RuleViolation("a change needs one or more of " + ", ".join(TERM_FIELDS))
        if occurred_on < self.first_day:
            raise RuleViolation(
                f"occurred_on: change on {occurred_on} is before the placement started "
                f"({self.first_day})"
            )
        if self.last_day is not None and occurred_on > self.last_day:
            raise RuleViolation(
                f"occurred_on: change on {occurred_on} is after the placement's last day in "
                f"care ({self.last_day})"
            )
        self._changed(
            event_id=event_id, recorded_at=recorded_at, occurred_on=occurred_on, values=values
        )

    @event(Changed)
    def _changed(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, values: dict[str, Any]
    ) -> None:
        self.changes.append(TermChange(occurred_on, len(self.changes), dict(values)))

    def end(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, reason: str | None
    ) -> None:
        self._refuse_if_voided("ended")
        if occurred_on < self.first_day:
            raise RuleViolation(
                f"occurred_on: end {occurred_on} is before the placement started ({self.first_day})"
            )
        self._ended(
            event_id=event_id, recorded_at=recorded_at, occurred_on=occurred_on, reason=reason
        )

    @event(Ended)
    def _ended(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, reason: str | None
    ) -> None:
        # A later end with another date corrects the last day in care.
        self.last_day = occurred_on

    def void(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, reason: str | None
    ) -> None:
        self._refuse_if_voided("voided")
        self._voided(
            event_id=event_id, recorded_at=recorded_at, occurred_on=occurred_on, reason=reason
        )

    @event(Voided)
    def _voided(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, reason: str | None
    ) -> None:
        self.voided = True

    def segments(self) -> list[Segment]:
        return segments(self.initial_terms, self.first_day, self.last_day, self.changes)

    def _refuse_if_voided(self, what: str) -> None:
        if self.voided:
            raise RuleViolation(
                f"placement_id: placement {self.placement_id} was voided and cannot be {what}"
            )
