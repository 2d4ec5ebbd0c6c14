"""The benefit household aggregate (hushåll med ekonomiskt bistånd), with the rules of
feed.md. Commands check today's rules, then trigger an event that only changes state, as
in domain.placement."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.household_terms import (
    Composition,
    CompositionChange,
    Payment,
    kronor,
    ore,
)
from domain.keys import household_key
from domain.provenance import FedEvent
from domain.shared_values import shared_code, shared_day


class Household(Aggregate):
    class Event(FedEvent):
        pass

    class Registered(Event, Aggregate.Created):
        source: str
        household_id: str
        applicant: str  # pseudonyms, never the personnummer
        co_applicant: str | None
        children: int
        newly_arrived: bool

    class Changed(Event):
        values: dict[str, Any]  # some of COMPOSITION_FIELDS, from occurred_on on

    class Paid(Event):
        payment_id: str
        month: date
        amount: Decimal
        kind: str

    class PaymentReversed(Event):
        payment_id: str
        amount: Decimal  # what was reversed (all that was left when the feed named none)

    class Closed(Event):
        pass  # occurred_on is the last day as a benefit household

    @staticmethod
    def create_id(source: str, household_id: str) -> UUID:
        return household_key(source, household_id)

    @classmethod
    def register(
        cls,
        *,
        source: str,
        household_id: str,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        applicant: str,
        co_applicant: str | None = None,
        children: int = 0,
        newly_arrived: bool = False,
    ) -> Household:
        # A household that exists is refused by the caller, which alone knows the store.
        return cls(
            source=source,
            household_id=household_id,
            event_id=event_id,
            recorded_at=recorded_at,
            occurred_on=occurred_on,
            applicant=applicant,
            co_applicant=co_applicant,
            children=children,
            newly_arrived=newly_arrived,
        )

    @event(Registered)
    def __init__(
        self,
        *,
        source: str,
        household_id: str,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        applicant: str,
        co_applicant: str | None,
        children: int,
        newly_arrived: bool,
    ) -> None:
        self.source = shared_code(source)
        self.household_id = household_id
        self.registered_on = shared_day(occurred_on)
        self.closed_on: date | None = None
        self.initial = Composition(applicant, co_applicant, children, newly_arrived)
        self.changes: list[CompositionChange] = []
        self.payments: dict[str, Payment] = {}

    def change(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, values: dict[str, Any]
    ) -> None:
        if occurred_on < self.registered_on:
            raise RuleViolation(
                f"occurred_on: a change on {occurred_on} is before the household was "
                f"registered ({self.registered_on})"
            )
        if self.closed_on is not None and occurred_on > self.closed_on:
            raise RuleViolation(
                f"occurred_on: a change on {occurred_on} is after the household was closed "
                f"({self.closed_on})"
            )
        self._changed(
            event_id=event_id, recorded_at=recorded_at, occurred_on=occurred_on, values=values
        )

    @event(Changed)
    def _changed(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, values: dict[str, Any]
    ) -> None:
        self.changes.append(CompositionChange(occurred_on, len(self.changes), dict(values)))

    def pay(
        self,
        *,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        payment_id: str,
        month: date,
        amount: Decimal,
        kind: str,
    ) -> None:
        # Payments after closing are accepted: assistance for earlier months is often paid
        # or corrected late, and the register counts it by the month it is for.
        if payment_id in self.payments:
            raise RuleViolation(
                f"payment_id: payment {payment_id} was already made to household "
                f"{self.household_id}"
            )
        self._paid(
            event_id=event_id,
            recorded_at=recorded_at,
            occurred_on=occurred_on,
            payment_id=payment_id,
            month=month,
            amount=amount,
            kind=kind,
        )

    @event(Paid)
    def _paid(
        self,
        *,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        payment_id: str,
        month: date,
        amount: Decimal,
        kind: str,
    ) -> None:
        # Shared values: a large ingest keeps a million payments in memory, in the
        # households it judges the next events against (domain.shared_values).
        self.payments[payment_id] = Payment(shared_day(month), shared_code(kind), ore(amount))

    def reverse(
        self,
        *,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        payment_id: str,
        amount: Decimal | None,
    ) -> None:
        payment = self.payments.get(payment_id)
        if payment is None:
            raise RuleViolation(
                f"payment_id: household {self.household_id} has no payment {payment_id}"
            )
        if payment.left_ore <= 0:
            raise RuleViolation(f"payment_id: payment {payment_id} is already fully reversed")
        if amount is not None and ore(amount) > payment.left_ore:
            raise RuleViolation(
                f"amount: {amount} exceeds what is left of payment {payment_id} "
                f"({kronor(payment.left_ore)})"
            )
        self._reversed(
            event_id=event_id,
            recorded_at=recorded_at,
            occurred_on=occurred_on,
            payment_id=payment_id,
            amount=kronor(payment.left_ore) if amount is None else amount,
        )

    @event(PaymentReversed)
    def _reversed(
        self,
        *,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        payment_id: str,
        amount: Decimal,
    ) -> None:
        payment = self.payments[payment_id]
        self.payments[payment_id] = payment._replace(
            reversed_ore=payment.reversed_ore + ore(amount)
        )

    def close(self, *, event_id: str, recorded_at: datetime, occurred_on: date) -> None:
        """A second closing corrects the date, as a second placement.ended does."""
        if occurred_on < self.registered_on:
            raise RuleViolation(
                f"occurred_on: closing on {occurred_on} is before the household was "
                f"registered ({self.registered_on})"
            )
        last_change = max((c.effective for c in self.changes), default=None)
        if last_change is not None and occurred_on < last_change:
            raise RuleViolation(
                f"occurred_on: closing on {occurred_on} is before a change on {last_change}"
            )
        self._closed(event_id=event_id, recorded_at=recorded_at, occurred_on=occurred_on)

    @event(Closed)
    def _closed(self, *, event_id: str, recorded_at: datetime, occurred_on: date) -> None:
        self.closed_on = occurred_on
