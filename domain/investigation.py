"""The investigation aggregate (aktualisering → förhandsbedömning → utredning), with the
rules of feed.md. Commands check today's rules, then trigger an event that only changes
state, as in domain.placement."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.keys import investigation_key
from domain.provenance import FedEvent
from domain.shared_values import shared_code, shared_code_or_none, shared_day


class Investigation(Aggregate):
    class Event(FedEvent):
        pass

    class Reported(Event, Aggregate.Created):
        source: str
        case_id: str
        person: str  # pseudonym, never the personnummer
        birth_date: date
        sex: str
        target_group: str
        route: str
        reporter: str | None

    class Assessed(Event):
        decision: str  # inled_utredning or ingen_utredning

    class Opened(Event):
        pass

    class Extended(Event):
        until: date
        reason: str | None

    class Closed(Event):
        outcome: str

    @staticmethod
    def create_id(source: str, case_id: str) -> UUID:
        return investigation_key(source, case_id)

    @classmethod
    def report(
        cls,
        *,
        source: str,
        case_id: str,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        person: str,
        birth_date: date,
        sex: str,
        target_group: str,
        route: str,
        reporter: str | None = None,
    ) -> Investigation:
        # A case that exists is refused by the caller, which alone knows the store.
        return cls(
            source=source,
            case_id=case_id,
            event_id=event_id,
            recorded_at=recorded_at,
            occurred_on=occurred_on,
            person=person,
            birth_date=birth_date,
            sex=sex,
            target_group=target_group,
            route=route,
            reporter=reporter,
        )

    @event(Reported)
    def __init__(
        self,
        *,
        source: str,
        case_id: str,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        person: str,
        birth_date: date,
        sex: str,
        target_group: str,
        route: str,
        reporter: str | None,
    ) -> None:
        # Shared values: a large ingest keeps many cases in memory (domain.shared_values).
        self.source = shared_code(source)
        self.case_id = case_id
        self.person = person
        self.birth_date = shared_day(birth_date)
        self.sex = shared_code(sex)
        self.target_group = shared_code(target_group)
        self.route = shared_code(route)
        self.reporter = shared_code_or_none(reporter)
        self.reported_on = shared_day(occurred_on)
        self.assessed_on: date | None = None
        self.decision: str | None = None
        self.opened_on: date | None = None
        self.extended_until: date | None = None
        self.closed_on: date | None = None
        self.outcome: str | None = None

    def assess(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, decision: str
    ) -> None:
        self._not_before_report(occurred_on, "assessment")
        if self.assessed_on is not None:
            raise RuleViolation(f"case_id: case {self.case_id} was already assessed")
        self._assessed(
            event_id=event_id, recorded_at=recorded_at, occurred_on=occurred_on, decision=decision
        )

    @event(Assessed)
    def _assessed(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, decision: str
    ) -> None:
        self.assessed_on = shared_day(occurred_on)
        self.decision = shared_code(decision)

    def open(self, *, event_id: str, recorded_at: datetime, occurred_on: date) -> None:
        self._not_before_report(occurred_on, "investigation")
        if self.closed_on is not None:
            raise RuleViolation(f"case_id: case {self.case_id} is closed and cannot be opened")
        if self.opened_on is not None:
            raise RuleViolation(f"case_id: case {self.case_id} was already opened")
        self._opened(event_id=event_id, recorded_at=recorded_at, occurred_on=occurred_on)

    @event(Opened)
    def _opened(self, *, event_id: str, recorded_at: datetime, occurred_on: date) -> None:
        self.opened_on = shared_day(occurred_on)

    def extend(
        self,
        *,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        until: date,
        reason: str | None,
    ) -> None:
        self._not_before_report(occurred_on, "extension")
        if self.opened_on is None or self.closed_on is not None:
            raise RuleViolation(
                f"case_id: only an open investigation can be extended (case {self.case_id})"
            )
        if until < occurred_on:
            raise RuleViolation(f"until: {until} is before the decision to extend ({occurred_on})")
        self._extended(
            event_id=event_id,
            recorded_at=recorded_at,
            occurred_on=occurred_on,
            until=until,
            reason=reason,
        )

    @event(Extended)
    def _extended(
        self,
        *,
        event_id: str,
        recorded_at: datetime,
        occurred_on: date,
        until: date,
        reason: str | None,
    ) -> None:
        self.extended_until = shared_day(until)

    def close(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, outcome: str
    ) -> None:
        self._not_before_report(occurred_on, "closing")
        if self.opened_on is None:
            raise RuleViolation(
                f"case_id: case {self.case_id} has no opened investigation to close"
            )
        if self.closed_on is not None:
            raise RuleViolation(f"case_id: case {self.case_id} was already closed")
        if occurred_on < self.opened_on:
            raise RuleViolation(
                f"occurred_on: closing on {occurred_on} is before the investigation was "
                f"opened ({self.opened_on})"
            )
        self._closed(
            event_id=event_id, recorded_at=recorded_at, occurred_on=occurred_on, outcome=outcome
        )

    @event(Closed)
    def _closed(
        self, *, event_id: str, recorded_at: datetime, occurred_on: date, outcome: str
    ) -> None:
        self.closed_on = shared_day(occurred_on)
        self.outcome = shared_code(outcome)

    def _not_before_report(self, day: date, what: str) -> None:
        if day < self.reported_on:
            raise RuleViolation(
                f"occurred_on: {what} on {day} is before the report date ({self.reported_on})"
            )
